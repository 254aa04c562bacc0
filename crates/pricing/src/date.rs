//! Calendar dates (UTC) for free-tier windows and support calendars: `jiff`'s civil
//! date, the one date/time library of the workspace (ecs-scale uses its time-zone
//! database), plus the two rules this product adds: the accepted range and the
//! wording of a bad date.

pub use jiff::civil::Date;

/// A date from literal parts known to be valid (panics otherwise: for tables in code).
pub const fn ymd(year: i16, month: i8, day: i8) -> Date {
    jiff::civil::date(year, month, day)
}

/// `YYYY-MM-DD` between 1970 and 9999, validated (2025-02-29 is refused).
pub fn parse(s: &str) -> Result<Date, String> {
    let bad = || format!("\"{s}\" is not a date: use YYYY-MM-DD, e.g. 2025-08-01");
    let t = s.trim();
    // jiff also reads other ISO 8601 forms (20250801, +002025-08-01): keep one spelling.
    let shape = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    let d: Date = if shape {
        t.parse().map_err(|_| bad())?
    } else {
        return Err(bad());
    };
    if d.year() < 1970 {
        return Err(bad());
    }
    Ok(d)
}

/// Today in UTC.
pub fn today() -> Date {
    jiff::tz::Offset::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// `months` later, the day clamped to the month's last (2025-01-31 + 1 = 2025-02-28);
/// saturates at the end of the supported range.
pub fn add_months(d: Date, months: u32) -> Date {
    jiff::Span::new()
        .try_months(i64::from(months))
        .and_then(|span| d.checked_add(span))
        .unwrap_or(Date::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_arithmetic() {
        assert_eq!(parse("2025-07-15"), Ok(ymd(2025, 7, 15)));
        assert!(parse("2025-02-29").is_err());
        assert!(parse("2024-02-29").is_ok());
        for bad in [
            "15/07/2025",
            "20250715",
            "1969-12-31",
            "2025-7-15",
            "",
            "+002025-07-15",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(add_months(ymd(2025, 1, 31), 1), ymd(2025, 2, 28));
        assert_eq!(add_months(ymd(2025, 7, 15), 12), ymd(2026, 7, 15));
        assert_eq!(add_months(ymd(9999, 12, 1), u32::MAX), Date::MAX);
        assert_eq!(ymd(2025, 11, 27).to_string(), "2025-11-27");
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = parse(&s);
        }
    }
}
