//! "Did you mean …?": the nearest of a set of names to a misspelled one, by
//! edit distance, so a refusal can name what was probably meant.

/// The candidate nearest to `word` (Levenshtein distance, case ignored;
/// the first of equals wins); none when there are no candidates.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&word, &c.to_ascii_lowercase()), c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_name_is_found() {
        let names = ["health", "requests", "faults"];
        assert_eq!(nearest("helth", names), Some("health"));
        assert_eq!(nearest("FAULT", names), Some("faults"));
        assert_eq!(nearest("x", []), None);
    }
}
