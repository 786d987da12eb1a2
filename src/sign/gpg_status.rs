//! Reading what `gpg` and `gpgsm` say about a signature, exactly as git's
//! `gpg-interface.c` reads it: the `--status-fd` lines (`GOODSIG`, `BADSIG`,
//! `ERRSIG`, `EXPSIG`, `EXPKEYSIG`, `REVKEYSIG`, `VALIDSIG`, `TRUST_*`), the trust
//! levels of `gpg.minTrustLevel`, and the user ids of a `--with-colons` listing.
//!
//! Pure text in, values out: no programs are run here.

/// A GnuPG trust level, in git's order (`enum signature_trust_level`): a signature
/// whose level is below `gpg.minTrustLevel` is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TrustLevel {
    Undefined,
    Never,
    Marginal,
    Fully,
    Ultimate,
}

impl TrustLevel {
    /// `UNDEFINED`, `never`, ... (any case, as git's `gpg.minTrustLevel`).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_uppercase().as_str() {
            "UNDEFINED" => Self::Undefined,
            "NEVER" => Self::Never,
            "MARGINAL" => Self::Marginal,
            "FULLY" => Self::Fully,
            "ULTIMATE" => Self::Ultimate,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Undefined => "undefined",
            Self::Never => "never",
            Self::Marginal => "marginal",
            Self::Fully => "fully",
            Self::Ultimate => "ultimate",
        }
    }
}

/// The one exclusive result of a signature check (git's `%G?` letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigResult {
    /// `G`: `GOODSIG`.
    Good,
    /// `B`: `BADSIG`.
    Bad,
    /// `E`: `ERRSIG` (typically no public key), or several signatures at once.
    Error,
    /// `X`: `EXPSIG`, a good signature that has expired.
    ExpiredSignature,
    /// `Y`: `EXPKEYSIG`, a good signature by an expired key.
    ExpiredKey,
    /// `R`: `REVKEYSIG`, a good signature by a revoked key.
    RevokedKey,
    /// `N`: no result line at all.
    None,
}

/// What the status lines say, field by field as git keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpgReport {
    pub result: SigResult,
    /// The long key id (OpenPGP) or certificate fingerprint (X.509) of the result line.
    pub key: Option<String>,
    /// The user id (OpenPGP) or subject (X.509) of the result line.
    pub signer: Option<String>,
    /// `VALIDSIG`'s first field: the fingerprint of the key that signed (a subkey's).
    pub fingerprint: Option<String>,
    /// `VALIDSIG`'s tenth field (OpenPGP only): the primary key's fingerprint.
    pub primary_fingerprint: Option<String>,
    /// `TRUST_*`; `Undefined` when no such line came (as git assumes).
    pub trust: TrustLevel,
    /// `NO_PUBKEY` came: the key is not in the keyring.
    pub no_public_key: bool,
}

/// Parses `--status-fd` output as git's `parse_gpg_output` does: more than one
/// exclusive result (several signatures) or an unknown trust level make it `Error`.
pub fn parse(lines: &str) -> GpgReport {
    let mut report = GpgReport {
        result: SigResult::None,
        key: None,
        signer: None,
        fingerprint: None,
        primary_fingerprint: None,
        trust: TrustLevel::Undefined,
        no_public_key: false,
    };
    let mut exclusive = 0;
    let error = |mut report: GpgReport| {
        report.result = SigResult::Error;
        report.key = None;
        report.signer = None;
        report.fingerprint = None;
        report.primary_fingerprint = None;
        report
    };
    for line in lines.lines() {
        let Some(rest) = line.strip_prefix("[GNUPG:] ") else {
            continue;
        };
        let (word, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        let result = match word {
            "GOODSIG" => SigResult::Good,
            "BADSIG" => SigResult::Bad,
            "ERRSIG" => SigResult::Error,
            "EXPSIG" => SigResult::ExpiredSignature,
            "EXPKEYSIG" => SigResult::ExpiredKey,
            "REVKEYSIG" => SigResult::RevokedKey,
            "VALIDSIG" => {
                let fields: Vec<&str> = rest.split(' ').collect();
                report.fingerprint = fields.first().map(|f| (*f).to_owned());
                report.primary_fingerprint = fields.get(9).map(|f| (*f).to_owned());
                continue;
            }
            "NO_PUBKEY" => {
                report.no_public_key = true;
                continue;
            }
            _ => {
                if let Some(level) = word.strip_prefix("TRUST_") {
                    match TrustLevel::parse(level).filter(|_| level == level.to_uppercase()) {
                        Some(level) => report.trust = level,
                        None => return error(report),
                    }
                }
                continue;
            }
        };
        exclusive += 1;
        if exclusive > 1 {
            return error(report);
        }
        report.result = result;
        let (key, uid) = match rest.split_once(' ') {
            Some((key, uid)) => (key, Some(uid)),
            None => (rest, None),
        };
        report.key = Some(key.to_owned()).filter(|k| !k.is_empty());
        if result != SigResult::Error {
            report.signer = uid.map(str::to_owned);
        }
    }
    report
}

/// The e-mail address in a user id (`Name <a@b>`, `<a@b>`), if any.
pub fn email_of(uid: &str) -> Option<String> {
    let open = uid.rfind('<')?;
    let close = uid[open..].find('>')? + open;
    let email = uid[open + 1..close].trim();
    email.contains('@').then(|| email.to_owned())
}

/// The e-mail addresses of the valid user ids in `gpg --with-colons --list-keys`
/// output: those whose validity (field 2) is marginal, full or ultimate. A user id
/// nobody certified (`-`, `q`, `n`), or one expired or revoked, names nobody.
pub fn valid_openpgp_emails(listing: &str) -> Vec<String> {
    let mut emails = Vec::new();
    for line in listing.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.first() != Some(&"uid") {
            continue;
        }
        let valid = matches!(fields.get(1), Some(&("m" | "f" | "u")));
        if let (true, Some(email)) = (valid, fields.get(9).and_then(|uid| email_of(uid))) {
            push_unique(&mut emails, email);
        }
    }
    emails
}

/// The e-mail addresses of the first certificate in `gpgsm --with-colons
/// --list-keys` output: its `<a@b>` user ids (subject alternative names) and any
/// `EMAIL=` in its subject.
pub fn certificate_emails(listing: &str) -> Vec<String> {
    let mut emails = Vec::new();
    let mut certificates = 0;
    for line in listing.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.first() {
            Some(&"crt" | &"crs") => {
                certificates += 1;
                if certificates > 1 {
                    break;
                }
            }
            Some(&"uid") => {
                let uid = fields.get(9).copied().unwrap_or_default();
                if let Some(email) = email_of(uid) {
                    push_unique(&mut emails, email);
                }
                for part in uid.split(',') {
                    let (name, value) = part.split_once('=').unwrap_or(("", ""));
                    let name = name.trim();
                    if (name.eq_ignore_ascii_case("EMAIL") || name == "1.2.840.113549.1.9.1")
                        && value.contains('@')
                    {
                        push_unique(&mut emails, value.trim().to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    emails
}

pub(crate) fn push_unique(names: &mut Vec<String>, name: String) {
    if !name.is_empty() && !names.contains(&name) {
        names.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBKEY_SIG: &str = "[GNUPG:] NEWSIG ada@example.com\n\
        [GNUPG:] KEY_CONSIDERED 38198F1EBD5481EA00822F93C2D169E9714C7044 0\n\
        [GNUPG:] GOODSIG 455D14E58A218021 Ada <ada@example.com>\n\
        [GNUPG:] VALIDSIG 9E5D7DD38ED7E39336503B31455D14E58A218021 2026-12-03 1796280681 0 4 0 22 8 00 38198F1EBD5481EA00822F93C2D169E9714C7044\n\
        [GNUPG:] TRUST_UNDEFINED 0 pgp\n";

    #[test]
    fn a_subkey_signature_carries_the_primary_fingerprint_and_the_trust() {
        let report = parse(SUBKEY_SIG);
        assert_eq!(report.result, SigResult::Good);
        assert_eq!(report.key.as_deref(), Some("455D14E58A218021"));
        assert_eq!(report.signer.as_deref(), Some("Ada <ada@example.com>"));
        assert_eq!(
            report.fingerprint.as_deref(),
            Some("9E5D7DD38ED7E39336503B31455D14E58A218021")
        );
        assert_eq!(
            report.primary_fingerprint.as_deref(),
            Some("38198F1EBD5481EA00822F93C2D169E9714C7044")
        );
        assert_eq!(report.trust, TrustLevel::Undefined);
    }

    #[test]
    fn results_as_git_letters_them() {
        let one = |line: &str| parse(&format!("[GNUPG:] {line}\n")).result;
        assert_eq!(one("BADSIG 455D14E58A218021 Ada"), SigResult::Bad);
        assert_eq!(
            one("ERRSIG 455D14E58A218021 22 10 00 1 9"),
            SigResult::Error
        );
        assert_eq!(
            one("EXPSIG 455D14E58A218021 Ada"),
            SigResult::ExpiredSignature
        );
        assert_eq!(one("EXPKEYSIG 455D14E58A218021 Ada"), SigResult::ExpiredKey);
        assert_eq!(one("REVKEYSIG 455D14E58A218021 Ada"), SigResult::RevokedKey);
        assert_eq!(one("NEWSIG"), SigResult::None);
        let trust = |line: &str| parse(&format!("[GNUPG:] {line}\n")).trust;
        assert_eq!(trust("TRUST_FULLY 0 shell"), TrustLevel::Fully);
        assert_eq!(trust("TRUST_ULTIMATE"), TrustLevel::Ultimate);
        assert_eq!(trust("TRUST_MARGINAL 0 pgp"), TrustLevel::Marginal);
        assert_eq!(trust("TRUST_NEVER 0 pgp"), TrustLevel::Never);
    }

    #[test]
    fn two_signatures_or_an_unknown_trust_level_are_an_error() {
        let twice =
            format!("{SUBKEY_SIG}[GNUPG:] GOODSIG 1111111111111111 Mal <ada@example.com>\n");
        let report = parse(&twice);
        assert_eq!(report.result, SigResult::Error);
        assert_eq!(report.fingerprint, None);
        assert_eq!(
            parse("[GNUPG:] GOODSIG A B\n[GNUPG:] TRUST_SOMEWHAT\n").result,
            SigResult::Error
        );
    }

    #[test]
    fn min_trust_levels_parse_in_any_case_and_order_as_git_orders_them() {
        assert_eq!(TrustLevel::parse("fully"), Some(TrustLevel::Fully));
        assert_eq!(TrustLevel::parse("Marginal"), Some(TrustLevel::Marginal));
        assert_eq!(TrustLevel::parse("full"), None);
        assert!(TrustLevel::Undefined < TrustLevel::Never);
        assert!(TrustLevel::Never < TrustLevel::Marginal);
        assert!(TrustLevel::Fully < TrustLevel::Ultimate);
    }

    #[test]
    fn only_valid_user_ids_name_their_owner() {
        let listing = "pub:-:255:22:C2D169E9714C7044:1796280681:::-:::cSC:::::ed25519:::0:\n\
            fpr:::::::::38198F1EBD5481EA00822F93C2D169E9714C7044:\n\
            uid:-::::1796280681::262C::Mallory <ada@example.com>::::::::::0:\n\
            uid:f::::1796280681::262D::Mal <mal@example.com>::::::::::0:\n\
            uid:r::::1796280681::262E::Old <old@example.com>::::::::::0:\n\
            uid:u::::1796280681::262F::Me <me@example.com>::::::::::0:\n";
        assert_eq!(
            valid_openpgp_emails(listing),
            ["mal@example.com", "me@example.com"]
        );
    }

    #[test]
    fn certificate_emails_come_from_alternative_names_and_the_subject() {
        let listing = "crt::2048:1:3FF8B7E0D1C9D8DD:20261203T065157:20630405T170000:60B2::CN=Test Root CA,O=omgreg::sS::::::23:\n\
            fpr:::::::::A0CDC944952C72CD95195D253FF8B7E0D1C9D8DD:::E355:\n\
            uid:::::::::CN=Ada,O=omgreg,EMAIL=ada.work@example.com::\n\
            uid:::::::::<ada@example.com>::\n\
            crt::2048:1:C7D6:20261203T065154:20630405T170000:2927::CN=Other::scSC::::::23:\n\
            uid:::::::::<other@example.com>::\n";
        assert_eq!(
            certificate_emails(listing),
            ["ada.work@example.com", "ada@example.com"]
        );
    }

    #[test]
    fn emails_are_taken_only_from_angle_brackets() {
        assert_eq!(
            email_of("Ada <ada@example.com>").as_deref(),
            Some("ada@example.com")
        );
        assert_eq!(email_of("Ada"), None);
        assert_eq!(email_of("<not-an-email>"), None);
    }
}
