//! `X-Timestamp` values: ISO-8601 UTC with a fraction and `Z`, e.g. `2026-11-23T00:30:03.534Z`.
//!
//! The calendar arithmetic is Howard Hinnant's `civil_from_days` / `days_from_civil` (proleptic
//! Gregorian), restricted to the years 1970–9999 so that every value fits the four-digit year of
//! the format and no intermediate result can overflow.

use core::fmt;

/// Milliseconds since the Unix epoch of `9999-12-31T23:59:59.999Z`, the latest formattable instant.
pub const MAX_TIMESTAMP_MS: u64 = 253_402_300_799_999;

const MS_PER_DAY: u64 = 86_400_000;

/// Format unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds), as the Speech SDKs
/// write `X-Timestamp`. Instants after [`MAX_TIMESTAMP_MS`] are clamped to it.
///
/// ```
/// use azspeech_component::usp::format_timestamp;
/// assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000Z");
/// assert_eq!(format_timestamp(1_795_393_603_534), "2026-11-23T00:26:43.534Z");
/// ```
pub fn format_timestamp(now_ms: u64) -> String {
    let ms = now_ms.min(MAX_TIMESTAMP_MS);
    let days = ms / MS_PER_DAY;
    let in_day = ms % MS_PER_DAY;
    let (year, month, day) = civil_from_days(days);
    let (hour, minute) = (in_day / 3_600_000, in_day / 60_000 % 60);
    let (second, milli) = (in_day / 1000 % 60, in_day % 1000);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z")
}

/// Why an `X-Timestamp` value was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimestampError {
    /// Not of the form `YYYY-MM-DDTHH:MM:SS.fffZ` with 3 to 7 fraction digits.
    Malformed,
    /// A field is out of its range (month 13, February 30, hour 24, second 60...).
    OutOfRange {
        /// Which field: `month`, `day`, `hour`, `minute` or `second`.
        field: &'static str,
    },
    /// The instant is before 1970-01-01T00:00:00Z.
    BeforeEpoch,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("timestamp is not YYYY-MM-DDTHH:MM:SS.fffZ (3 to 7 fraction digits, UTC)"),
            Self::OutOfRange { field } => write!(f, "timestamp {field} is out of range"),
            Self::BeforeEpoch => f.write_str("timestamp is before 1970-01-01T00:00:00Z"),
        }
    }
}

impl std::error::Error for TimestampError {}

/// Parse an `X-Timestamp` value into unix milliseconds (extra fraction digits are truncated).
///
/// Accepted: exactly `YYYY-MM-DDTHH:MM:SS.` followed by 3 to 7 fraction digits and `Z` (the
/// service's documented form allows up to 7 digits; the SDKs send 3). Anything else — offsets,
/// lowercase `t`/`z`, missing fraction, leap seconds, dates before 1970 — is an error.
///
/// ```
/// use azspeech_component::usp::{parse_timestamp, format_timestamp};
/// assert_eq!(parse_timestamp("2026-11-23T00:26:43.534Z"), Ok(1_795_393_603_534));
/// assert_eq!(parse_timestamp("2026-11-23T00:26:43.5349999Z"), Ok(1_795_393_603_534));
/// assert!(parse_timestamp("2026-11-23T00:26:43Z").is_err());
/// ```
pub fn parse_timestamp(text: &str) -> Result<u64, TimestampError> {
    let bytes = text.as_bytes();
    let fraction_digits = bytes.len().checked_sub(21).ok_or(TimestampError::Malformed)?;
    if !(3..=7).contains(&fraction_digits) {
        return Err(TimestampError::Malformed);
    }
    for (index, byte) in bytes.iter().enumerate() {
        let expected_ok = match index {
            4 | 7 => *byte == b'-',
            10 => *byte == b'T',
            13 | 16 => *byte == b':',
            19 => *byte == b'.',
            _ if index + 1 == bytes.len() => *byte == b'Z',
            _ => byte.is_ascii_digit(),
        };
        if !expected_ok {
            return Err(TimestampError::Malformed);
        }
    }
    let number = |range: core::ops::Range<usize>| -> u64 {
        bytes
            .get(range)
            .unwrap_or_default()
            .iter()
            .fold(0u64, |acc, digit| acc * 10 + u64::from(digit - b'0'))
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let (hour, minute, second) = (number(11..13), number(14..16), number(17..19));
    let milli = number(20..23);
    if year < 1970 {
        return Err(TimestampError::BeforeEpoch);
    }
    if !(1..=12).contains(&month) {
        return Err(TimestampError::OutOfRange { field: "month" });
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(TimestampError::OutOfRange { field: "day" });
    }
    for (value, limit, field) in [(hour, 24, "hour"), (minute, 60, "minute"), (second, 60, "second")] {
        if value >= limit {
            return Err(TimestampError::OutOfRange { field });
        }
    }
    let days = days_from_civil(year, month, day);
    Ok(days * MS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000 + milli)
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 to (year, month, day); `days` ≤ 2 932 896 (9999-12-31).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// (year ≥ 1970, month, day) to days since 1970-01-01.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let yoe = year - era * 400; // [0, 399]
    let shifted_month = if month > 2 { month - 3 } else { month + 9 }; // March = 0
    let doy = (153 * shifted_month + 2) / 5 + day - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    (era * 146_097 + doe).saturating_sub(719_468)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        let vectors: &[(u64, &str)] = &[
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_709_164_800_123, "2024-02-29T00:00:00.123Z"),
            (1_795_393_603_534, "2026-11-23T00:26:43.534Z"),
            (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
            (MAX_TIMESTAMP_MS, "9999-12-31T23:59:59.999Z"),
            (u64::MAX, "9999-12-31T23:59:59.999Z"),
        ];
        for (ms, text) in vectors {
            assert_eq!(format_timestamp(*ms), *text);
            assert_eq!(parse_timestamp(text), Ok((*ms).min(MAX_TIMESTAMP_MS)));
        }
    }

    #[test]
    fn round_trips_every_day_boundary_sample() {
        let mut ms = 0u64;
        while ms < MAX_TIMESTAMP_MS {
            assert_eq!(parse_timestamp(&format_timestamp(ms)), Ok(ms), "{ms}");
            ms += 86_400_000 * 17 + 3_723_457;
        }
    }

    #[test]
    fn accepts_three_to_seven_fraction_digits() {
        for text in [
            "2026-11-23T00:30:03.534Z",
            "2026-11-23T00:30:03.5340Z",
            "2026-11-23T00:30:03.53400Z",
            "2026-11-23T00:30:03.534000Z",
            "2026-11-23T00:30:03.5340000Z",
        ] {
            assert_eq!(
                parse_timestamp(text),
                parse_timestamp("2026-11-23T00:30:03.534Z"),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects() {
        let cases: &[(&str, TimestampError)] = &[
            ("", TimestampError::Malformed),
            ("2026-11-23T00:30:03Z", TimestampError::Malformed),
            ("2026-11-23T00:30:03.53Z", TimestampError::Malformed),
            ("2026-11-23T00:30:03.53400000Z", TimestampError::Malformed),
            ("2026-11-23t00:30:03.534Z", TimestampError::Malformed),
            ("2026-11-23T00:30:03.534z", TimestampError::Malformed),
            ("2026-11-23T00:30:03.534+00:00", TimestampError::Malformed),
            ("2026-11-23 00:30:03.534Z", TimestampError::Malformed),
            ("2026-11-23T00:30:03,534Z", TimestampError::Malformed),
            ("２026-11-23T00:30:03.534Z", TimestampError::Malformed),
            ("+026-11-23T00:30:03.534Z", TimestampError::Malformed),
            (
                "2026-13-23T00:30:03.534Z",
                TimestampError::OutOfRange { field: "month" },
            ),
            (
                "2026-00-23T00:30:03.534Z",
                TimestampError::OutOfRange { field: "month" },
            ),
            ("2026-02-29T00:30:03.534Z", TimestampError::OutOfRange { field: "day" }),
            ("2100-02-29T00:30:03.534Z", TimestampError::OutOfRange { field: "day" }),
            ("2026-04-31T00:30:03.534Z", TimestampError::OutOfRange { field: "day" }),
            ("2026-04-00T00:30:03.534Z", TimestampError::OutOfRange { field: "day" }),
            ("2026-04-01T24:00:00.000Z", TimestampError::OutOfRange { field: "hour" }),
            (
                "2026-04-01T23:60:00.000Z",
                TimestampError::OutOfRange { field: "minute" },
            ),
            (
                "2026-04-01T23:59:60.000Z",
                TimestampError::OutOfRange { field: "second" },
            ),
            ("1969-12-31T23:59:59.999Z", TimestampError::BeforeEpoch),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_timestamp(text), Err(*expected), "{text}");
        }
        assert_eq!(parse_timestamp("2000-02-29T12:00:00.000Z"), Ok(951_825_600_000));
    }
}
