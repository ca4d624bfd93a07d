//! HTTP dates, computed by hand (no date library, no time zone database).
//!
//! Both formats are UTC: the `Date` header's IMF-fixdate (RFC 7231 §7.1.1.1)
//! and the dashed form PHP and Swoole write in cookie `expires` attributes
//! (`D, d-M-Y H:i:s T`).

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A broken-down UTC time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Proleptic Gregorian year.
    pub year: i64,
    /// 1-12.
    pub month: u32,
    /// 1-31.
    pub day: u32,
    /// 0-23.
    pub hour: u32,
    /// 0-59.
    pub minute: u32,
    /// 0-59.
    pub second: u32,
    /// Three-letter English weekday.
    pub weekday: &'static str,
}

impl Civil {
    /// Breaks down seconds since the Unix epoch (negative is before 1970).
    pub fn from_unix(secs: i64) -> Civil {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
            // 1970-01-01 was a Thursday, DAYS[0].
            weekday: DAYS[days.rem_euclid(7) as usize],
        }
    }

    fn month_name(&self) -> &'static str {
        MONTHS[(self.month.clamp(1, 12) - 1) as usize]
    }
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's
/// `civil_from_days` algorithm (exact for the whole i64 day range we use).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01 (the inverse of
/// [`civil_from_days`]).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Reads an HTTP date (`If-Modified-Since`, `If-Range`) in any of the three
/// forms RFC 9110 §5.6.7 asks a recipient to accept: IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94
/// 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`). Seconds since
/// the epoch.
pub fn parse_http_date(value: &str) -> Option<i64> {
    let month = |m: &str| {
        MONTHS
            .iter()
            .position(|n| n.eq_ignore_ascii_case(m))
            .map(|i| i as u32 + 1)
    };
    let clock = |t: &str| -> Option<i64> {
        let mut it = t.split(':').map(|p| p.parse::<i64>().ok());
        let (h, m, s) = (it.next()??, it.next()??, it.next()??);
        ((0..24).contains(&h) && (0..60).contains(&m) && (0..61).contains(&s))
            .then_some(h * 3600 + m * 60 + s)
    };
    let words: Vec<&str> = value.split_whitespace().collect();
    let (year, mon, day, time) = match words.as_slice() {
        // IMF-fixdate
        [_, d, m, y, t, "GMT"] => (y.parse().ok()?, month(m)?, d.parse().ok()?, clock(t)?),
        // RFC 850: two-digit year, 1970-2069
        [_, dmy, t, "GMT"] => {
            let mut p = dmy.split('-');
            let (d, m, y) = (p.next()?, p.next()?, p.next()?);
            let y: i64 = y.parse().ok()?;
            let y = if y < 70 {
                2000 + y
            } else if y < 100 {
                1900 + y
            } else {
                y
            };
            (y, month(m)?, d.parse().ok()?, clock(t)?)
        }
        // asctime
        [_, m, d, t, y] => (y.parse().ok()?, month(m)?, d.parse().ok()?, clock(t)?),
        _ => return None,
    };
    if !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, mon, day) * 86_400 + time)
}

/// The `Date` header value: `Sun, 22 Nov 2026 02:51:39 GMT`.
pub fn http_date(unix_secs: u64) -> String {
    let c = Civil::from_unix(i64::try_from(unix_secs).unwrap_or(i64::MAX / 2));
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        c.weekday,
        c.day,
        c.month_name(),
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// A cookie `expires` value as Swoole writes it: `Thu, 01-Jan-1970 00:00:01 GMT`.
pub fn cookie_date(unix_secs: i64) -> String {
    let c = Civil::from_unix(unix_secs);
    format!(
        "{}, {:02}-{}-{:04} {:02}:{:02}:{:02} GMT",
        c.weekday,
        c.day,
        c.month_name(),
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// The current time as seconds since the epoch (0 if the clock is before 1970).
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(1_709_164_800), "Thu, 29 Feb 2024 00:00:00 GMT");
        assert_eq!(http_date(4_133_980_799), "Fri, 31 Dec 2100 23:59:59 GMT");
        assert_eq!(http_date(4_133_980_800), "Sat, 01 Jan 2101 00:00:00 GMT");
        // the date in the reference transcript
        assert_eq!(http_date(1_795_315_899), "Sun, 22 Nov 2026 02:51:39 GMT");
    }

    #[test]
    fn cookie_dates() {
        assert_eq!(cookie_date(1), "Thu, 01-Jan-1970 00:00:01 GMT");
        assert_eq!(cookie_date(946_684_800), "Sat, 01-Jan-2000 00:00:00 GMT");
        assert_eq!(cookie_date(-1), "Wed, 31-Dec-1969 23:59:59 GMT");
        assert_eq!(
            cookie_date(253_402_300_799),
            "Fri, 31-Dec-9999 23:59:59 GMT"
        );
        assert_eq!(
            cookie_date(253_402_300_800),
            "Sat, 01-Jan-10000 00:00:00 GMT"
        );
    }

    #[test]
    fn civil_matches_day_stepping() {
        // walk day by day across several leap cycles and compare
        let (mut y, mut m, mut d) = (1969i64, 1u32, 1u32);
        let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for days in -365..(366 * 500) {
            assert_eq!(civil_from_days(days), (y, m, d), "days {days}");
            let len = match m {
                2 if leap(y) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            d += 1;
            if d > len {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }

    #[test]
    fn huge_input_does_not_panic() {
        let _ = http_date(u64::MAX);
        let _ = cookie_date(i64::MAX / 2);
        let _ = cookie_date(i64::MIN / 2);
    }

    #[test]
    fn http_dates_in_all_three_forms() {
        let t = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(t));
        assert_eq!(
            parse_http_date(&http_date(1_796_000_000)),
            Some(1_796_000_000)
        );
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"), None);
    }
}
