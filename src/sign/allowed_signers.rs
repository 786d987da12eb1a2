//! Reading SSH allowed-signers files (`principals [options] key-type key
//! [comment]`, see ssh-keygen(1)) just enough to tell a key that is listed but not
//! valid now from a key listed nowhere.
//!
//! Pure text in, text out: no programs are run here.

/// The options that limit when or for what a listed key may sign.
const RESTRICTIONS: [&str; 3] = ["valid-after=", "valid-before=", "namespaces="];

/// `text` with every entry's `valid-after`, `valid-before` and `namespaces` options
/// removed (other options, such as `cert-authority`, are kept): a key that
/// `find-principals` finds here but not in `text` is listed, only not valid.
pub fn without_validity(text: &str) -> String {
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                return line.to_owned();
            }
            let tokens = tokens(trimmed);
            let Some(options) = tokens.get(1).filter(|t| is_options(t)) else {
                return line.to_owned();
            };
            let kept: Vec<&str> = split_options(options)
                .into_iter()
                .filter(|option| {
                    !RESTRICTIONS
                        .iter()
                        .any(|r| option.to_ascii_lowercase().starts_with(r))
                })
                .collect();
            let mut out = vec![tokens[0].to_owned()];
            if !kept.is_empty() {
                out.push(kept.join(","));
            }
            out.extend(tokens[2..].iter().map(|t| (*t).to_owned()));
            out.join(" ")
        })
        .map(|line| line + "\n")
        .collect()
}

/// Whether the second field is options rather than the key type.
fn is_options(token: &str) -> bool {
    !(token.starts_with("ssh-") || token.starts_with("ecdsa-") || token.starts_with("sk-"))
}

/// Whitespace-separated fields, a double-quoted part staying in one field.
fn tokens(line: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match (c, start) {
            ('"', _) => {
                quoted = !quoted;
                start.get_or_insert(i);
            }
            (c, Some(s)) if c.is_whitespace() && !quoted => {
                tokens.push(&line[s..i]);
                start = None;
            }
            (c, None) if !c.is_whitespace() => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        tokens.push(&line[s..]);
    }
    tokens
}

/// Comma-separated options, a double-quoted value keeping its commas.
fn split_options(options: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in options.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&options[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&options[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_and_namespaces_are_removed_and_other_options_kept() {
        let text = "# team\n\
            ada@example.com valid-before=20200101,namespaces=\"git,file\" ssh-ed25519 AAAA ada\n\
            \"bob smith\",ops cert-authority,valid-after=20300101Z ssh-ed25519 BBBB\n\
            mal@example.com ssh-ed25519 CCCC mal key\n";
        assert_eq!(
            without_validity(text),
            "# team\n\
             ada@example.com ssh-ed25519 AAAA ada\n\
             \"bob smith\",ops cert-authority ssh-ed25519 BBBB\n\
             mal@example.com ssh-ed25519 CCCC mal key\n"
        );
    }
}
