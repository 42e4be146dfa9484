//! Calendar dates, for suppressions that expire (`until=2027-03-31`):
//! strict `YYYY-MM-DD` parsing and today's date in UTC from the system
//! clock. Proleptic Gregorian calendar, years 0001 to 9999.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order makes the derived order chronological.
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A valid calendar date, or `None`.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Exactly `YYYY-MM-DD` (ASCII digits, zero-padded) naming a real day:
    /// `2027-02-29` and `2027-3-31` are not dates.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u16> {
            let digits = &bytes[range];
            digits.iter().try_fold(0u16, |n, &b| {
                b.is_ascii_digit().then(|| n * 10 + u16::from(b - b'0'))
            })
        };
        let year = number(0..4)?;
        let month = u8::try_from(number(5..7)?).ok()?;
        let day = u8::try_from(number(8..10)?).ok()?;
        Date::new(year, month, day)
    }

    /// The date `days` days after 1970-01-01 (negative: before), clamped
    /// to the supported years. Howard Hinnant's `civil_from_days`.
    pub fn from_days_since_epoch(days: i64) -> Date {
        // Shift the epoch to 0000-03-01, so that leap days end a year.
        let z = days.clamp(-719_162, 2_932_896) + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        // The clamp keeps every component in range.
        Date {
            year: u16::try_from(year).unwrap_or(1),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }

    /// Today in UTC, by the system clock (1970-01-01 if the clock is set
    /// before it).
    pub fn today() -> Date {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days_since_epoch(i64::try_from(seconds / 86_400).unwrap_or(i64::MAX))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap_year(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn parses_only_real_dates_in_one_form() {
        assert_eq!(date("2027-03-31").to_string(), "2027-03-31");
        assert_eq!(date("2024-02-29").to_string(), "2024-02-29");
        assert_eq!(date("2000-02-29").to_string(), "2000-02-29");
        for bad in [
            "2027-02-29",
            "1900-02-29",
            "2027-04-31",
            "2027-13-01",
            "2027-00-10",
            "2027-01-00",
            "0000-01-01",
            "2027-3-31",
            "27-03-31",
            "2027/03/31",
            "2027-03-31 ",
            " 2027-03-31",
            "2027-03-3x",
            "+027-03-31",
            "2027-0３-31",
            "",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_order_chronologically() {
        assert!(date("2027-03-31") < date("2027-04-01"));
        assert!(date("2026-12-31") < date("2027-01-01"));
        assert!(date("2027-01-09") < date("2027-01-10"));
    }

    #[test]
    fn days_since_epoch_map_to_civil_dates() {
        let d = |n| Date::from_days_since_epoch(n).to_string();
        assert_eq!(d(0), "1970-01-01");
        assert_eq!(d(-1), "1969-12-31");
        assert_eq!(d(59), "1970-03-01");
        assert_eq!(d(10_957), "2000-01-01");
        assert_eq!(d(11_016), "2000-02-29");
        assert_eq!(d(19_782), "2024-02-29");
        assert_eq!(d(20_783), "2026-11-26");
        assert_eq!(d(i64::MIN), "0001-01-01");
        assert_eq!(d(i64::MAX), "9999-12-31");
    }

    #[test]
    fn consecutive_days_are_consecutive_dates() {
        // Every day from 1600 to 2400: the next day is the next valid date.
        let mut previous = Date::from_days_since_epoch(-135_140);
        assert_eq!(previous.to_string(), "1600-01-01");
        for n in -135_139..157_000 {
            let next = Date::from_days_since_epoch(n);
            let expected = Date::new(previous.year, previous.month, previous.day + 1)
                .or_else(|| Date::new(previous.year, previous.month + 1, 1))
                .or_else(|| Date::new(previous.year + 1, 1, 1))
                .unwrap();
            assert_eq!(next, expected, "day {n}");
            previous = next;
        }
    }

    #[test]
    fn today_is_a_plausible_date() {
        assert!(Date::today() >= date("2025-01-01"));
    }
}
