//! "Did you mean ...?" for names typed on the command line: the closest known name,
//! when one is close enough to be the intended one.

/// The candidate closest to `input` (ignoring case), when it is similar enough: equal
/// but for case, or a Jaro-Winkler similarity of at least 0.8 (what a transposed,
/// missing or extra letter in a short name gives; unrelated names stay below).
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let typed = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter(|candidate| *candidate != input)
        .map(|candidate| {
            let score = strsim::jaro_winkler(&typed, &candidate.to_ascii_lowercase());
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.to_owned())
}

/// `" (did you mean `x`?)"` for `closest`, or nothing.
pub fn hint<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(input, candidates)
        .map(|name| format!(" (did you mean `{name}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_suggested_and_strangers_are_not() {
        let models = ["churn", "fraud", "churn-v2", "recommender"];
        assert_eq!(closest("chrun", models).as_deref(), Some("churn"));
        assert_eq!(closest("Fraud", models).as_deref(), Some("fraud"));
        assert_eq!(
            closest("recomender", models).as_deref(),
            Some("recommender")
        );
        assert_eq!(closest("zebra", models), None);
        assert_eq!(closest("churn", Vec::<&str>::new()), None);
        assert_eq!(
            hint("prod", ["Staging", "Production"]),
            " (did you mean `Production`?)"
        );
        assert_eq!(hint("qa", ["Staging", "Production"]), "");
    }
}
