//! "Did you mean ...?": the closest known name to a mistyped one.

/// The candidate closest to `input` (case-insensitive edit distance), if it is within
/// `max_distance` edits and unambiguous enough to be worth suggesting.
pub fn closest<'c>(input: &str, candidates: &[&'c str], max_distance: usize) -> Option<&'c str> {
    let input = input.to_ascii_lowercase();
    // Long inputs are not typos of short names; also bounds the work on hostile input.
    if input.chars().count() > 128 {
        return None;
    }
    candidates
        .iter()
        .map(|candidate| (edit_distance(&input, &candidate.to_ascii_lowercase()), *candidate))
        .filter(|(distance, _)| *distance <= max_distance)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        if let Some(first) = current.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let deletion = previous.get(j + 1).copied().unwrap_or(0) + 1;
            let insertion = current.get(j).copied().unwrap_or(0) + 1;
            if let Some(cell) = current.get_mut(j + 1) {
                *cell = substitution.min(deletion).min(insertion);
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("westeurope", "westeurope"), 0);
        assert_eq!(edit_distance("westeruope", "westeurope"), 2);
    }

    #[test]
    fn closest_names() {
        let known = ["SPEECH_REGION", "SPEECH_KEY", "SPEECH_ENDPOINT"];
        assert_eq!(closest("SPEECH_REGON", &known, 3), Some("SPEECH_REGION"));
        assert_eq!(closest("speech_key", &known, 3), Some("SPEECH_KEY"));
        assert_eq!(closest("SPEECH_SOMETHING_ELSE", &known, 3), None);
        assert_eq!(closest(&"x".repeat(1000), &known, 3), None);
    }
}
