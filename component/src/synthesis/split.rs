//! Splitting long text into pieces a single synthesis request can take.

/// Characters after which a sentence ends when whitespace follows.
fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…' | ';')
}

/// Sentence ends that need no following whitespace (CJK full-width punctuation).
fn is_wide_terminator(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；')
}

/// Closing quotes and brackets that may follow a terminator (`"Stop!" he said`).
fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | ')' | ']' | '»' | '」' | '』')
}

/// Characters that belong to the previous character (combining marks, joiners, variation
/// selectors, skin tones): a forced cut never goes right before one.
fn is_attached(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}')
}

/// Split `text` into pieces of at most `max_chars` characters (Unicode scalar values; 0 counts
/// as 1). Each cut is, in order of preference, the last sentence end in reach (a terminator
/// and whitespace, a line break, or CJK full-width punctuation), then the last whitespace
/// boundary; only a word longer than `max_chars` is cut inside (never before a combining mark
/// or joiner, if avoidable). Whitespace stays at the end of the piece before the cut. The
/// pieces concatenated are exactly `text`; empty text gives no piece.
///
/// ```
/// use azspeech_component::synthesis::split::split_text;
/// assert_eq!(split_text("One. Two three. Four", 12), ["One. ", "Two three. ", "Four"]);
/// ```
pub fn split_text(text: &str, max_chars: u32) -> Vec<String> {
    let max = usize::try_from(max_chars).unwrap_or(usize::MAX).max(1);
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let window: Vec<(usize, char)> = rest.char_indices().take(max.saturating_add(1)).collect();
        if window.len() <= max {
            pieces.push(rest.to_owned());
            break;
        }
        let cut = best_cut(&window).unwrap_or(rest.len());
        let (piece, tail) = rest.split_at_checked(cut).unwrap_or((rest, ""));
        pieces.push(piece.to_owned());
        rest = tail;
    }
    pieces
}

/// The byte offset to cut at, given the first `max + 1` characters of the rest.
fn best_cut(window: &[(usize, char)]) -> Option<usize> {
    let mut sentence = None;
    let mut space = None;
    let mut after_terminator = false;
    for pair in window.windows(2) {
        let [(_, previous), (position, next)] = pair else {
            continue;
        };
        let (previous, next, position) = (*previous, *next, *position);
        if is_terminator(previous) || is_wide_terminator(previous) {
            after_terminator = true;
        } else if !(is_closer(previous) || previous.is_whitespace()) {
            after_terminator = false;
        }
        let sentence_end = (previous.is_whitespace() && !next.is_whitespace() && after_terminator)
            || (previous == '\n' && !next.is_whitespace())
            || (is_wide_terminator(previous) && !next.is_whitespace() && !is_closer(next));
        if sentence_end {
            sentence = Some(position);
        }
        if previous.is_whitespace() || next.is_whitespace() {
            space = Some(position);
        }
    }
    sentence.or(space).or_else(|| forced_cut(window))
}

/// Cut a word that does not fit: at the limit, moved back before attached characters.
fn forced_cut(window: &[(usize, char)]) -> Option<usize> {
    let mut index = window.len().checked_sub(1)?;
    while index > 1 {
        let attached = window.get(index).is_some_and(|(_, c)| is_attached(*c))
            || window
                .get(index.saturating_sub(1))
                .is_some_and(|(_, c)| *c == '\u{200D}');
        if !attached {
            break;
        }
        index -= 1;
    }
    window.get(index).map(|(position, _)| *position)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn check(text: &str, max: u32) -> Vec<String> {
        let pieces = split_text(text, max);
        assert_eq!(pieces.concat(), text, "pieces must keep every character");
        for piece in &pieces {
            assert!(!piece.is_empty());
            assert!(
                piece.chars().count() <= (max.max(1) as usize),
                "{piece:?} longer than {max}"
            );
        }
        pieces
    }

    #[test]
    fn prefers_sentences_then_words() {
        assert_eq!(check("Hello world.", 100), ["Hello world."]);
        assert_eq!(check("One. Two three. Four", 12), ["One. ", "Two three. ", "Four"]);
        assert_eq!(check("One two three four", 9), ["One two ", "three ", "four"]);
        assert_eq!(
            check("He said \"Stop!\" Then left.", 20),
            ["He said \"Stop!\" ", "Then left."]
        );
        assert_eq!(check("Line one\nLine two", 12), ["Line one\n", "Line two"]);
        assert_eq!(check("第一句。第二句。", 5), ["第一句。", "第二句。"]);
        assert_eq!(check("Pi is 3.14 ok", 8), ["Pi is ", "3.14 ok"]);
    }

    #[test]
    fn cuts_only_words_that_do_not_fit() {
        assert_eq!(check("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(check("a abcdefghij", 4), ["a ", "abcd", "efgh", "ij"]);
        // No cut between a letter and its combining accent, or inside a ZWJ sequence.
        assert_eq!(check("abce\u{301}fg", 4), ["abc", "e\u{301}fg"]);
        let family = "👨\u{200D}👩\u{200D}👧";
        let pieces = check(&format!("a{family}"), 3);
        assert_eq!(pieces.concat(), format!("a{family}"));
    }

    #[test]
    fn edge_cases() {
        assert!(split_text("", 10).is_empty());
        assert_eq!(check("abc", 0), ["a", "b", "c"]);
        assert_eq!(check("   ", 1), [" ", " ", " "]);
        let long = "Word. ".repeat(10_000);
        let pieces = check(&long, 1000);
        assert!(pieces.iter().all(|piece| piece.ends_with(". ")));
        check(&"x".repeat(10_001), 1000);
        check("\u{301}\u{301}\u{301}\u{301}", 2);
    }
}
