//! RESP, the Redis serialization protocol (version 2), as much of it as a
//! pub/sub client needs: commands out (arrays of bulk strings) and replies in
//! (simple strings, errors, integers, bulk strings, arrays, nulls).
//!
//! Pure and incremental: [`Reply::decode`] looks at the bytes read so far and
//! says how many it used, or that it needs more. Redis is a trusted peer, but
//! a wrong port or a proxy in the way is not: every length is checked against
//! a limit before memory is reserved, and nothing here panics on input.

/// One reply from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`
    Simple(Vec<u8>),
    /// `-ERR ...`
    Error(Vec<u8>),
    /// `:42`
    Integer(i64),
    /// `$5 hello`
    Bulk(Vec<u8>),
    /// `$-1` or `*-1`
    Null,
    /// `*N` followed by N replies.
    Array(Vec<Reply>),
}

/// Why a reply cannot be decoded: the stream is not RESP, or exceeds limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RespError(pub &'static str);

impl std::fmt::Display for RespError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid RESP reply: {}", self.0)
    }
}

impl std::error::Error for RespError {}

/// The longest bulk string accepted (Redis's own `proto-max-bulk-len` default).
pub const MAX_BULK: usize = 512 * 1024 * 1024;
/// The most elements an array may declare, and how deep arrays may nest.
const MAX_ARRAY: usize = 1 << 20;
const MAX_DEPTH: usize = 8;
/// A header line (`$123\r\n`, `+OK\r\n`, `-ERR ...\r\n`) longer than this is garbage.
const MAX_LINE: usize = 64 * 1024;

/// Encodes a command as RESP: an array of bulk strings.
pub fn command(args: &[&[u8]]) -> Vec<u8> {
    let len: usize = args.iter().map(|a| a.len() + 16).sum::<usize>() + 16;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

impl Reply {
    /// Decodes one reply from the front of `buf`: `Ok(Some((reply, used)))`,
    /// `Ok(None)` when `buf` holds only part of it.
    pub fn decode(buf: &[u8]) -> Result<Option<(Reply, usize)>, RespError> {
        decode_at(buf, 0)
    }

    /// The bytes of a simple string or a bulk string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Reply::Simple(b) | Reply::Bulk(b) => Some(b),
            _ => None,
        }
    }
}

/// A line ending in CRLF at the front of `buf`: its content and the bytes used.
fn line(buf: &[u8]) -> Result<Option<(&[u8], usize)>, RespError> {
    match memchr::memchr(b'\n', buf) {
        Some(nl) => {
            if nl == 0 || buf[nl - 1] != b'\r' {
                return Err(RespError("line not ended by CRLF"));
            }
            Ok(Some((&buf[..nl - 1], nl + 1)))
        }
        None if buf.len() > MAX_LINE => Err(RespError("line too long")),
        None => Ok(None),
    }
}

fn integer(text: &[u8]) -> Result<i64, RespError> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or(RespError("bad integer"))
}

/// A bulk string's or array's declared length: None for -1 (null), an
/// error when negative otherwise or over `max`.
fn length(text: &[u8], max: usize, too_long: &'static str) -> Result<Option<usize>, RespError> {
    let n = integer(text)?;
    if n == -1 {
        return Ok(None);
    }
    let n = usize::try_from(n).map_err(|_| RespError("negative length"))?;
    if n > max {
        return Err(RespError(too_long));
    }
    Ok(Some(n))
}

fn decode_at(buf: &[u8], depth: usize) -> Result<Option<(Reply, usize)>, RespError> {
    if depth > MAX_DEPTH {
        return Err(RespError("arrays nested too deep"));
    }
    let Some((&kind, rest)) = buf.split_first() else {
        return Ok(None);
    };
    let Some((text, used)) = line(rest)? else {
        return Ok(None);
    };
    let head = 1 + used;
    match kind {
        b'+' => Ok(Some((Reply::Simple(text.to_vec()), head))),
        b'-' => Ok(Some((Reply::Error(text.to_vec()), head))),
        b':' => Ok(Some((Reply::Integer(integer(text)?), head))),
        b'$' => {
            let Some(n) = length(text, MAX_BULK, "bulk string too long")? else {
                return Ok(Some((Reply::Null, head)));
            };
            let body = &buf[head..];
            if body.len() < n + 2 {
                return Ok(None);
            }
            if &body[n..n + 2] != b"\r\n" {
                return Err(RespError("bulk string not ended by CRLF"));
            }
            Ok(Some((Reply::Bulk(body[..n].to_vec()), head + n + 2)))
        }
        b'*' => {
            let Some(n) = length(text, MAX_ARRAY, "array too long")? else {
                return Ok(Some((Reply::Null, head)));
            };
            let mut items = Vec::with_capacity(n.min(64));
            let mut at = head;
            for _ in 0..n {
                match decode_at(&buf[at..], depth + 1)? {
                    Some((item, used)) => {
                        items.push(item);
                        at += used;
                    }
                    None => return Ok(None),
                }
            }
            Ok(Some((Reply::Array(items), at)))
        }
        _ => Err(RespError("unknown reply type")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_is_an_array_of_bulk_strings() {
        assert_eq!(
            command(&[b"PUBLISH", b"app", b"a\r\nb"]),
            b"*3\r\n$7\r\nPUBLISH\r\n$3\r\napp\r\n$4\r\na\r\nb\r\n".to_vec()
        );
        assert_eq!(command(&[b"PING"]), b"*1\r\n$4\r\nPING\r\n".to_vec());
        assert_eq!(
            command(&[b"X", b""]),
            b"*2\r\n$1\r\nX\r\n$0\r\n\r\n".to_vec()
        );
    }

    #[test]
    fn decodes_every_reply_type() {
        let cases: Vec<(&[u8], Reply)> = vec![
            (b"+OK\r\n", Reply::Simple(b"OK".to_vec())),
            (b"-ERR unknown\r\n", Reply::Error(b"ERR unknown".to_vec())),
            (b":-42\r\n", Reply::Integer(-42)),
            (b"$5\r\nhe\r\no\r\n", Reply::Bulk(b"he\r\no".to_vec())),
            (b"$0\r\n\r\n", Reply::Bulk(Vec::new())),
            (b"$-1\r\n", Reply::Null),
            (b"*-1\r\n", Reply::Null),
            (b"*0\r\n", Reply::Array(vec![])),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                Reply::decode(bytes),
                Ok(Some((want, bytes.len()))),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn decodes_a_pubsub_message_split_at_every_byte() {
        let msg = b"*3\r\n$7\r\nmessage\r\n$3\r\napp\r\n$6\r\n\x00\x01\r\n\xff\xfe\r\n:1\r\n";
        let whole = msg.len() - 4;
        let want = Reply::Array(vec![
            Reply::Bulk(b"message".to_vec()),
            Reply::Bulk(b"app".to_vec()),
            Reply::Bulk(b"\x00\x01\r\n\xff\xfe".to_vec()),
        ]);
        for cut in 0..whole {
            assert_eq!(Reply::decode(&msg[..cut]), Ok(None), "cut at {cut}");
        }
        assert_eq!(Reply::decode(msg), Ok(Some((want, whole))));
    }

    #[test]
    fn refuses_what_is_not_resp() {
        for bad in [
            &b"HTTP/1.1 400 Bad Request\r\n"[..],
            b"+OK\n",
            b":12a\r\n",
            b"$-2\r\n",
            b"$3\r\nabcde",
            b"*-5\r\n",
            b"$999999999999\r\n",
            b"*99999999\r\n",
        ] {
            assert!(Reply::decode(bad).is_err(), "{bad:?}");
        }
        let deep = b"*1\r\n".repeat(20);
        assert!(Reply::decode(&deep).is_err());
        let long = vec![b'+'; MAX_LINE + 2];
        assert!(Reply::decode(&long).is_err());
    }
}
