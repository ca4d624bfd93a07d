//! `Range: bytes=...` for static files, read as Swoole's static handler
//! reads it (RFC 7233): `a-b`, `a-`, `-n` (the last n bytes), several
//! ranges separated by commas. A range past the end is cut at the end; one
//! that starts past it is dropped, and when none is left the whole file is
//! sent (RFC 7233 lets a server ignore a Range); a header that is not
//! `bytes=` is ignored; one it cannot read is 416.

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ranges {
    /// The whole file (200).
    Whole,
    /// These (offset, length) parts, in the order asked (206).
    Parts(Vec<(u64, u64)>),
    /// 416 Range Not Satisfiable.
    Unsatisfiable,
}

/// Reads `value` (the `Range` header) for a file of `size` bytes.
pub fn parse(value: &[u8], size: u64) -> Ranges {
    let Some(spec) = value.strip_prefix(b"bytes=") else {
        return Ranges::Whole;
    };
    let mut parts = Vec::new();
    let mut total: u64 = 0;
    for item in spec.split(|&b| b == b',') {
        let item = trim(item);
        if item.is_empty() {
            continue;
        }
        let Some(dash) = item.iter().position(|&b| b == b'-') else {
            return Ranges::Unsatisfiable;
        };
        let (first, last) = (trim(&item[..dash]), trim(&item[dash + 1..]));
        let (start, end) = if first.is_empty() {
            // -n: the last n bytes.
            let Some(n) = number(last) else {
                return Ranges::Unsatisfiable;
            };
            (size.saturating_sub(n), size)
        } else {
            let Some(start) = number(first) else {
                return Ranges::Unsatisfiable;
            };
            if last.is_empty() {
                (start, size)
            } else {
                let Some(end) = number(last) else {
                    return Ranges::Unsatisfiable;
                };
                (start, end.saturating_add(1).min(size))
            }
        };
        if start < end {
            total = match total.checked_add(end - start) {
                Some(t) => t,
                None => return Ranges::Unsatisfiable,
            };
            parts.push((start, end - start));
        }
    }
    if parts.is_empty() {
        Ranges::Whole
    } else {
        Ranges::Parts(parts)
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ').unwrap_or(s.len());
    let end = s.iter().rposition(|&b| b != b' ').map_or(start, |i| i + 1);
    &s[start..end.max(start)]
}

/// Digits only, without overflow.
fn number(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_swoole_answers_with_206() {
        assert_eq!(parse(b"bytes=0-9", 100), Ranges::Parts(vec![(0, 10)]));
        assert_eq!(parse(b"bytes=-5", 100), Ranges::Parts(vec![(95, 5)]));
        assert_eq!(parse(b"bytes=95-", 100), Ranges::Parts(vec![(95, 5)]));
        assert_eq!(parse(b"bytes=90-200", 100), Ranges::Parts(vec![(90, 10)]));
        assert_eq!(
            parse(b"bytes=0-1, 5-6", 100),
            Ranges::Parts(vec![(0, 2), (5, 2)])
        );
        assert_eq!(parse(b"bytes=-500", 100), Ranges::Parts(vec![(0, 100)]));
    }

    #[test]
    fn what_gets_the_whole_file_or_416() {
        // Swoole sends the whole file for these (RFC 7233 allows ignoring).
        assert_eq!(parse(b"bytes=200-300", 100), Ranges::Whole);
        assert_eq!(parse(b"bytes=5-2", 100), Ranges::Whole);
        assert_eq!(parse(b"items=0-5", 100), Ranges::Whole);
        assert_eq!(parse(b"bytes=abc", 100), Ranges::Unsatisfiable);
        assert_eq!(parse(b"bytes=1-x", 100), Ranges::Unsatisfiable);
        assert_eq!(
            parse(b"bytes=99999999999999999999-", 100),
            Ranges::Unsatisfiable
        );
        assert_eq!(parse(b"bytes=-", 100), Ranges::Unsatisfiable);
    }
}
