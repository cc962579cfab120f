//! Dates and durations in the forms batch transcription writes: `2025-05-24T03:20:39Z` and
//! ISO 8601 durations such as `PT2.58S` or `PT1M24.21S` (bulk.md §2.3, §2.4).

/// `unix_ms` as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds).
pub(crate) fn iso_utc(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parse `YYYY-MM-DDTHH:MM:SSZ` (as [`iso_utc`] writes it) into unix milliseconds.
pub(crate) fn parse_iso_utc(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days since 1970-01-01 from a civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    u64::try_from(secs).ok().map(|s| s * 1000)
}

/// Ticks (100 ns) as an ISO 8601 duration with up to two decimals, as the service writes them.
pub(crate) fn iso_duration(ticks: u64) -> String {
    let centis = (ticks + 50_000) / 100_000;
    let hours = centis / 360_000;
    let minutes = centis % 360_000 / 6000;
    let seconds = centis % 6000;
    let mut out = "PT".to_owned();
    if hours > 0 {
        out.push_str(&format!("{hours}H"));
    }
    if minutes > 0 {
        out.push_str(&format!("{minutes}M"));
    }
    if seconds > 0 || (hours == 0 && minutes == 0) {
        let whole = seconds / 100;
        let fraction = seconds % 100;
        if fraction == 0 {
            out.push_str(&format!("{whole}S"));
        } else {
            let f = format!("{fraction:02}");
            out.push_str(&format!("{whole}.{}S", f.trim_end_matches('0')));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_durations() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(1_748_057_439_000), "2025-05-24T03:30:39Z");
        assert_eq!(iso_utc(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso_duration(25_800_000), "PT2.58S");
        assert_eq!(iso_duration(7_600_000), "PT0.76S");
        assert_eq!(iso_duration(844_000_000), "PT1M24.4S");
        assert_eq!(iso_duration(36_000_000_000), "PT1H");
        assert_eq!(iso_duration(0), "PT0S");
        for ms in [0, 951_782_400_000, 1_748_057_439_000, 4_102_444_799_000] {
            assert_eq!(parse_iso_utc(&iso_utc(ms)), Some(ms));
        }
        assert_eq!(parse_iso_utc("2025-13-01T00:00:00Z"), None);
    }
}
