//! The date and time functions of Terraform that do not read the clock:
//! `formatdate`, `timeadd` and `timecmp`, on timestamps in RFC 3339's
//! "Date and Time format" (`2018-01-02T23:12:01Z`, with an optional
//! fraction of a second and a `Z` or `±hh:mm` offset), as Terraform parses
//! them (Go's `time.RFC3339`: `T` and `Z` in capitals, days checked against
//! their month, no leap second). A timestamp keeps its own offset: it is
//! never converted to another zone. `timestamp` and `plantimestamp` read
//! the clock and stay unknown.
//!
//! Deviations from Terraform: years stay within 0000–9999 (a `timeadd`
//! past them is an error, where Go would write a longer year), and a
//! fractional duration (`1.1h`) is computed exactly, where Go rounds
//! through a float (at most a nanosecond apart, never shown, as results
//! are written to the second).

use super::{R, arg, to_known_str};
use hcl::eval::FuncArgs;
use hcl::{Number, Value};
use std::cmp::Ordering;

const NANOS: i128 = 1_000_000_000;

/// An instant with the offset it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    nanos: i128,
    /// Seconds east of UTC.
    offset: i64,
    /// Written `Z` (Terraform's `ZZZ` writes `UTC` for it).
    zulu: bool,
}

/// The wall clock of a stamp, in its own offset.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    weekday: usize,
}

/// Days since 1970-01-01 of a date of the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a number of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `n` ASCII digits at `at`.
fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    part.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// Parses an RFC 3339 timestamp as Go's `time.RFC3339` layout does.
fn parse(s: &str) -> Result<Stamp, String> {
    let bad = || format!("not a valid RFC 3339 timestamp: {s:?}");
    let b = s.as_bytes();
    let year = digits(b, 0, 4).ok_or_else(bad)?;
    let month = digits(b, 5, 2).ok_or_else(bad)?;
    let day = digits(b, 8, 2).ok_or_else(bad)?;
    let hour = digits(b, 11, 2).ok_or_else(bad)?;
    let minute = digits(b, 14, 2).ok_or_else(bad)?;
    let second = digits(b, 17, 2).ok_or_else(bad)?;
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b.get(i) != Some(&c)) {
        return Err(bad());
    }
    let year = i64::from(year);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(format!("timestamp out of range: {s:?}"));
    }
    let mut at = 19;
    let mut frac: i128 = 0;
    if b.get(at) == Some(&b'.') {
        let count = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if count == 0 {
            return Err(bad());
        }
        let mut scale = NANOS;
        for &c in &b[at + 1..at + 1 + count] {
            scale /= 10;
            frac += i128::from(c - b'0') * scale;
        }
        at += 1 + count;
    }
    let (offset, zulu) = match b.get(at..) {
        Some(b"Z") => (0, true),
        Some(rest)
            if rest.len() == 6 && (rest[0] == b'+' || rest[0] == b'-') && rest[3] == b':' =>
        {
            let oh = digits(rest, 1, 2).ok_or_else(bad)?;
            let om = digits(rest, 4, 2).ok_or_else(bad)?;
            if oh > 23 || om > 59 {
                return Err(format!("offset out of range: {s:?}"));
            }
            let secs = i64::from(oh * 3600 + om * 60);
            (if rest[0] == b'-' { -secs } else { secs }, false)
        }
        _ => return Err(bad()),
    };
    let local =
        days_from_civil(year, month, day) * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Ok(Stamp {
        nanos: i128::from(local - offset) * NANOS + frac,
        offset,
        zulu,
    })
}

fn civil(t: &Stamp) -> Civil {
    let local = t.nanos.div_euclid(NANOS) + i128::from(t.offset);
    let days = i64::try_from(local.div_euclid(86_400)).unwrap_or(0);
    let secs = u32::try_from(local.rem_euclid(86_400)).unwrap_or(0);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: secs / 3600,
        minute: secs / 60 % 60,
        second: secs % 60,
        weekday: usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0),
    }
}

/// An offset as `+hh:mm` (`sep` ":") or `+hhmm` (`sep` "").
fn offset_text(offset: i64, sep: &str) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.abs();
    format!("{sign}{:02}{sep}{:02}", abs / 3600, abs / 60 % 60)
}

/// A stamp in RFC 3339, to the second, as Go's `time.RFC3339` writes it.
fn rfc3339(t: &Stamp) -> Result<String, String> {
    let c = civil(t);
    if !(0..=9999).contains(&c.year) {
        return Err("the result is outside the years 0000 to 9999".into());
    }
    let zone = if t.offset == 0 {
        "Z".to_string()
    } else {
        offset_text(t.offset, ":")
    };
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{zone}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    ))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// The first three letters of a name.
fn short(name: &str) -> &str {
    name.get(..3).unwrap_or(name)
}

/// One sequence of the same letter, written for `t`; `Err` for one
/// Terraform does not know.
fn verb(letter: char, n: usize, t: &Stamp, c: &Civil, out: &mut String) -> Result<(), String> {
    let month = MONTHS
        .get(c.month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("");
    let weekday = WEEKDAYS.get(c.weekday).copied().unwrap_or("");
    let twelve = if c.hour.is_multiple_of(12) {
        12
    } else {
        c.hour % 12
    };
    let text = match (letter, n) {
        ('Y', 4) => format!("{:04}", c.year),
        ('Y', 2) => format!("{:02}", c.year.rem_euclid(100)),
        ('M', 4) => month.to_string(),
        ('M', 3) => short(month).to_string(),
        ('M', 2) => format!("{:02}", c.month),
        ('M', 1) => c.month.to_string(),
        ('D', 2) => format!("{:02}", c.day),
        ('D', 1) => c.day.to_string(),
        ('E', 4) => weekday.to_string(),
        ('E', 3) => short(weekday).to_string(),
        ('h', 2) => format!("{:02}", c.hour),
        ('h', 1) => c.hour.to_string(),
        ('H', 2) => format!("{twelve:02}"),
        ('H', 1) => twelve.to_string(),
        ('A', 2) => if c.hour < 12 { "AM" } else { "PM" }.to_string(),
        ('a', 2) => if c.hour < 12 { "am" } else { "pm" }.to_string(),
        ('m', 2) => format!("{:02}", c.minute),
        ('m', 1) => c.minute.to_string(),
        ('s', 2) => format!("{:02}", c.second),
        ('s', 1) => c.second.to_string(),
        ('Z', 5) => offset_text(t.offset, ":"),
        ('Z', 4) => offset_text(t.offset, ""),
        ('Z', 3) if t.zulu => "UTC".to_string(),
        ('Z', 3) => offset_text(t.offset, ""),
        ('Z', 1) if t.offset == 0 => "Z".to_string(),
        ('Z', 1) => offset_text(t.offset, ":"),
        _ => {
            let seq: String = std::iter::repeat_n(letter, n).collect();
            return Err(format!("invalid date format verb {seq:?}"));
        }
    };
    out.push_str(&text);
    Ok(())
}

/// `formatdate(spec, timestamp)`: runs of one letter are verbs, text in
/// single quotes is literal (`''` is a quote), anything else is copied.
pub(super) fn formatdate(args: FuncArgs) -> R {
    let spec = to_known_str(arg(&args, 0)?)?;
    let t = parse(&to_known_str(arg(&args, 1)?)?)?;
    let c = civil(&t);
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while let Some(&ch) = chars.get(i) {
        if ch == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let close = chars[i + 1..]
                .iter()
                .position(|&q| q == '\'')
                .ok_or("unterminated literal '")?;
            out.extend(&chars[i + 1..i + 1 + close]);
            i += close + 2;
        } else if ch.is_alphabetic() {
            let n = chars[i..].iter().take_while(|&&x| x == ch).count();
            verb(ch, n, &t, &c, &mut out)?;
            i += n;
        } else {
            out.push(ch);
            i += 1;
        }
    }
    Ok(Value::String(out))
}

/// The nanoseconds of a unit of Go's durations.
fn unit_nanos(unit: &str) -> Option<i128> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => NANOS,
        "m" => 60 * NANOS,
        "h" => 3600 * NANOS,
        _ => return None,
    })
}

/// A duration as Go's `time.ParseDuration` reads it (`1h30m`, `-1.5h`,
/// `0`), in nanoseconds, within Go's range (about 292 years).
fn parse_duration(s: &str) -> Result<i128, String> {
    let bad = || format!("invalid duration {s:?}");
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let whole_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let whole = &rest[..whole_len];
        rest = &rest[whole_len..];
        let mut frac = "";
        if let Some(after) = rest.strip_prefix('.') {
            let n = after.bytes().take_while(u8::is_ascii_digit).count();
            frac = &after[..n];
            rest = &after[n..];
        }
        if whole.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        let unit = unit_nanos(&rest[..unit_len]).ok_or_else(bad)?;
        rest = &rest[unit_len..];
        let whole: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let mut part = whole.checked_mul(unit).ok_or_else(bad)?;
        let mut scale = 1i128;
        for d in frac.bytes().take(18) {
            scale *= 10;
            part += i128::from(d - b'0') * unit / scale;
        }
        total = total.checked_add(part).ok_or_else(bad)?;
        if total > i128::from(i64::MAX) {
            return Err(bad());
        }
    }
    Ok(if negative { -total } else { total })
}

/// `timeadd(timestamp, duration)`.
pub(super) fn timeadd(args: FuncArgs) -> R {
    let mut t = parse(&to_known_str(arg(&args, 0)?)?)?;
    t.nanos += parse_duration(&to_known_str(arg(&args, 1)?)?)?;
    Ok(Value::String(rfc3339(&t)?))
}

/// `timecmp(a, b)`: -1, 0 or 1 as the instant `a` is before, the same as
/// or after `b`, whatever their offsets.
pub(super) fn timecmp(args: FuncArgs) -> R {
    let a = parse(&to_known_str(arg(&args, 0)?)?)?;
    let b = parse(&to_known_str(arg(&args, 1)?)?)?;
    let n: i64 = match a.nanos.cmp(&b.nanos) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    };
    Ok(Value::Number(Number::from(n)))
}

#[cfg(test)]
mod tests {
    use super::super::documented::{err, ok};
    use super::*;

    #[test]
    fn calendar_round_trips() {
        for days in [-800_000i64, -1, 0, 1, 59, 365, 10_957, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn timestamps_as_go_parses_them() {
        ok(
            r#"timecmp("2024-02-29T00:00:00Z", "2024-02-28T23:59:59.5Z")"#,
            "1",
        );
        ok(
            r#"timecmp("2018-01-02T23:12:01.25Z", "2018-01-02T23:12:01.250Z")"#,
            "0",
        );
        ok(
            r#"timecmp("2017-11-22T06:00:00+02:00", "2017-11-22T04:00:00Z")"#,
            "0",
        );
        err(r#"timecmp("2023-02-29T00:00:00Z", "2023-02-28T00:00:00Z")"#);
        err(r#"timecmp("2017-11-22t00:00:00Z", "2017-11-22T00:00:00Z")"#);
        err(r#"timecmp("2017-11-22T24:00:00Z", "2017-11-22T00:00:00Z")"#);
        err(r#"timecmp("2017-11-22T00:00:60Z", "2017-11-22T00:00:00Z")"#);
        err(r#"timecmp("2017-11-22T00:00:00", "2017-11-22T00:00:00Z")"#);
        err(r#"timecmp("2017-11-22T00:00:00+0200", "2017-11-22T00:00:00Z")"#);
        err(r#"timecmp("2017-11-22", "2017-11-22T00:00:00Z")"#);
        err(r#"timecmp("2017-11-22T00:00:00.Z", "2017-11-22T00:00:00Z")"#);
        err("timecmp(1, 2)");
    }

    #[test]
    fn durations_as_go_parses_them() {
        ok(
            r#"timeadd("2017-11-22T00:00:00Z", "1h30m")"#,
            r#""2017-11-22T01:30:00Z""#,
        );
        ok(
            r#"timeadd("2017-11-22T00:00:00Z", "1.5h")"#,
            r#""2017-11-22T01:30:00Z""#,
        );
        ok(
            r#"timeadd("2017-11-22T00:00:00Z", "-2h5m")"#,
            r#""2017-11-21T21:55:00Z""#,
        );
        ok(
            r#"timeadd("2017-11-22T00:00:00Z", "0")"#,
            r#""2017-11-22T00:00:00Z""#,
        );
        ok(
            r#"timeadd("2017-11-22T00:00:00Z", "1500ms")"#,
            r#""2017-11-22T00:00:01Z""#,
        );
        ok(
            r#"timeadd("2017-11-22T00:00:00Z", "-1ns")"#,
            r#""2017-11-21T23:59:59Z""#,
        );
        ok(
            r#"timeadd("2024-02-28T23:00:00Z", "2h")"#,
            r#""2024-02-29T01:00:00Z""#,
        );
        ok(
            r#"timeadd("2017-12-31T23:30:00-01:00", "1h")"#,
            r#""2018-01-01T00:30:00-01:00""#,
        );
        ok(
            r#"timeadd("2017-11-22T00:00:00+00:00", "1s")"#,
            r#""2017-11-22T00:00:01Z""#,
        );
        ok(
            r#"timeadd("2017-11-22T00:00:00Z", "720h")"#,
            r#""2017-12-22T00:00:00Z""#,
        );
        err(r#"timeadd("2017-11-22T00:00:00Z", "")"#);
        err(r#"timeadd("2017-11-22T00:00:00Z", "1")"#);
        err(r#"timeadd("2017-11-22T00:00:00Z", "1d")"#);
        err(r#"timeadd("2017-11-22T00:00:00Z", ".h")"#);
        err(r#"timeadd("2017-11-22T00:00:00Z", "1h-1m")"#);
        err(r#"timeadd("2017-11-22T00:00:00Z", "3000000h")"#);
        err(r#"timeadd("9999-12-31T23:00:00Z", "2h")"#);
    }

    #[test]
    fn format_sequences() {
        let t = r#""2006-01-02T15:04:05-07:00""#;
        let cases = [
            ("YYYY YY", "2006 06"),
            ("MMMM MMM MM M", "January Jan 01 1"),
            ("DD D EEEE EEE", "02 2 Monday Mon"),
            ("hh h HH H AA aa", "15 15 03 3 PM pm"),
            ("mm m ss s", "04 4 05 5"),
            ("ZZZZZ ZZZZ ZZZ Z", "-07:00 -0700 -0700 -07:00"),
            ("'YYYY' ''hh'' 'at' hh", "YYYY '15' at 15"),
            ("YYYY-MM-DD'T'hh:mm:ssZ", "2006-01-02T15:04:05-07:00"),
        ];
        for (spec, want) in cases {
            ok(&format!("formatdate({spec:?}, {t})"), &format!("{want:?}"));
        }
        ok(
            r#"formatdate("ZZZ Z", "2006-01-02T00:04:05Z")"#,
            r#""UTC Z""#,
        );
        ok(
            r#"formatdate("ZZZ Z", "2006-01-02T00:04:05+00:00")"#,
            r#""+0000 Z""#,
        );
        ok(
            r#"formatdate("hh HH AA", "2006-01-02T00:04:05Z")"#,
            r#""00 12 AM""#,
        );
        err(&format!("formatdate(\"YYY\", {t})"));
        err(&format!("formatdate(\"Q\", {t})"));
        err(&format!("formatdate(\"at hh\", {t})"));
        err(&format!("formatdate(\"'open\", {t})"));
        err(r#"formatdate("YYYY", "yesterday")"#);
    }
}
