//! Golden files: generated outputs compared byte for byte with files committed under
//! `tests/cli/golden/`. `OMGREG_BLESS=1` rewrites them instead (review the diff).

use std::path::PathBuf;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli/golden")
        .join(name)
}

/// `actual` must equal the golden file `name` byte for byte.
#[track_caller]
pub fn assert_golden(name: &str, actual: &str) {
    let path = golden_path(name);
    if std::env::var_os("OMGREG_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir golden");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("golden file `{}`: {err}", path.display()));
    assert!(
        expected == actual,
        "`{}` differs from the golden file:\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}
