//! P-384 and P-521 artifact keys, which the OpenSSF reference accepts besides P-256
//! (with SHA-384 and SHA-512): omgreg's bundles verify with `model_signing verify key`
//! on the checked-out folder, and `model_signing sign key` bundles attach and verify
//! in omgreg.

use crate::common::refusal::commit_by_hand;
use crate::common::stderr_of;
use crate::test_oms::{act_free, ec_key_on, fixture, s};

#[test]
fn p384_and_p521_keys_interoperate_with_model_signing() {
    let Some(f) = fixture() else { return };
    for (index, curve) in ["secp384r1", "secp521r1"].into_iter().enumerate() {
        let (key, public) = ec_key_on(&f.env, curve, curve);
        let pem = std::fs::read_to_string(&public).unwrap();
        commit_by_hand(
            &f.env,
            &f.reg,
            &format!(".omgreg/artifact_keys/{curve}.pem"),
            &pem,
        );
        // omgreg signs; the reference verifies the checked-out folder.
        let ours = format!("{}.0.0", index + 1);
        f.register(&ours, &["--sign-artifacts", "--key", s(&key)]);
        f.assert_verify_commit();
        let dest = f.env.path().join(format!("co-{curve}"));
        let reference = format!("churn@{ours}");
        act_free(&f, &["checkout", &reference, "--dest", s(&dest)]);
        let bundle = f.reg.join(format!("models/churn/signatures/{ours}.sig"));
        f.model_signing(&[
            "verify",
            "key",
            s(&dest),
            "--signature",
            s(&bundle),
            "--public_key",
            s(&public),
        ]);
        // The reference signs; omgreg attaches and verifies.
        let theirs = format!("{}.1.0", index + 1);
        let made = f.env.path().join(format!("{curve}.sig"));
        f.sign_folder(&key, &made);
        f.register(&theirs, &["--signature", s(&made)]);
        let out = f.omgreg(&["verify", &format!("churn@{theirs}"), "--artifacts"]);
        assert!(out.status.success(), "{curve}: {}", stderr_of(&out));
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(said.contains(&format!("{curve}.pem")), "{curve}: {said}");
    }
}
