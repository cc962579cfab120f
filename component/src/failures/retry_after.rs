//! `Retry-After`: delta-seconds become milliseconds; an HTTP-date needs a clock the core does
//! not have, so it is ignored (the caller backs off on its own).

/// The delay a `Retry-After` value asks for, in milliseconds.
pub fn parse(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || value.len() > 19 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse::<u64>().ok().map(|seconds| seconds.saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_values() {
        let cases: &[(&str, Option<u64>)] = &[
            ("0", Some(0)),
            ("1", Some(1000)),
            (" 30 ", Some(30_000)),
            ("120", Some(120_000)),
            ("18446744073709551", Some(18_446_744_073_709_551_000)),
            ("9999999999999999999", Some(u64::MAX)),
            ("99999999999999999999", None),
            ("", None),
            ("-1", None),
            ("+5", None),
            ("1.5", None),
            ("5s", None),
            ("Wed, 21 Oct 2015 07:28:00 GMT", None),
            ("١٢", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), *expected, "{input:?}");
        }
    }
}
