//! Close frames (RFC 6455 §5.5.1, §7.4).
//!
//! A close payload is empty, or a 2-byte big-endian status code followed by a
//! UTF-8 reason. What a peer may *send* is narrower than what the constants
//! define: 1005, 1006 and 1015 are reserved for local reporting and must never
//! appear on the wire, so receiving one is a protocol error.

use super::message::Violation;

/// Normal closure.
pub const NORMAL: u16 = 1000;
/// Endpoint going away (server shutdown, browser navigating away).
pub const GOING_AWAY: u16 = 1001;
/// Protocol error.
pub const PROTOCOL_ERROR: u16 = 1002;
/// Data of a type the endpoint cannot accept.
pub const UNSUPPORTED_DATA: u16 = 1003;
/// No status code was present (local only, never on the wire).
pub const NO_STATUS: u16 = 1005;
/// Connection dropped without a close frame (local only, never on the wire).
pub const ABNORMAL: u16 = 1006;
/// Payload inconsistent with the message type (e.g. invalid UTF-8 in text).
pub const INVALID_PAYLOAD: u16 = 1007;
/// Policy violation.
pub const POLICY: u16 = 1008;
/// Message too big.
pub const TOO_BIG: u16 = 1009;
/// Client expected an extension the server did not negotiate.
pub const EXTENSION_MISSING: u16 = 1010;
/// Unexpected server condition.
pub const SERVER_ERROR: u16 = 1011;

/// Whether a close code may legitimately arrive from a peer (RFC 6455 §7.4.1,
/// §7.4.2 and the IANA registry): 1000-1003 and 1007-1014 are defined,
/// 3000-4999 are for libraries and applications; everything else, including the
/// local-only 1004/1005/1006/1015, is invalid on the wire.
pub fn is_valid_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Parses a close payload into `(code, reason)`.
///
/// Empty payload: `(None, "")`. One byte: 1002 (a code needs two). A code
/// that may not be sent: 1002. A reason that is not UTF-8: 1007.
pub fn parse_close_payload(p: &[u8]) -> Result<(Option<u16>, String), Violation> {
    match p {
        [] => Ok((None, String::new())),
        [_] => Err(Violation {
            code: PROTOCOL_ERROR,
            reason: "close frame payload of 1 byte",
        }),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !is_valid_close_code(code) {
                return Err(Violation {
                    code: PROTOCOL_ERROR,
                    reason: "invalid close code",
                });
            }
            match std::str::from_utf8(reason) {
                Ok(s) => Ok((Some(code), s.to_owned())),
                Err(_) => Err(Violation {
                    code: INVALID_PAYLOAD,
                    reason: "close reason is not valid UTF-8",
                }),
            }
        }
    }
}

/// Builds a close payload: the code big-endian, then the reason bytes.
/// Length limits are the caller's business (Swoole allows a 125-byte reason).
pub fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(2 + reason.len());
    v.extend_from_slice(&code.to_be_bytes());
    v.extend_from_slice(reason);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_codes() {
        for c in [
            1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
            4000, 4999,
        ] {
            assert!(is_valid_close_code(c), "{c}");
        }
        for c in [
            0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
        ] {
            assert!(!is_valid_close_code(c), "{c}");
        }
    }

    #[test]
    fn parse_payloads() {
        assert_eq!(parse_close_payload(b"").unwrap(), (None, String::new()));
        assert_eq!(
            parse_close_payload(b"\x03\xe8").unwrap(),
            (Some(1000), String::new())
        );
        assert_eq!(
            parse_close_payload(b"\x03\xe8done").unwrap(),
            (Some(1000), "done".to_owned())
        );
        assert_eq!(
            parse_close_payload(&[b"\x0f\xa0", "héllo".as_bytes()].concat()).unwrap(),
            (Some(4000), "héllo".to_owned())
        );
        assert_eq!(parse_close_payload(b"\x03").unwrap_err().code, 1002);
        assert_eq!(parse_close_payload(b"\x03\xed").unwrap_err().code, 1002); // 1005
        assert_eq!(parse_close_payload(b"\x03\xee").unwrap_err().code, 1002); // 1006
        assert_eq!(parse_close_payload(b"\x00\x00").unwrap_err().code, 1002);
        assert_eq!(parse_close_payload(b"\x03\xe8\xff").unwrap_err().code, 1007);
        // truncated multi-byte sequence in the reason
        assert_eq!(parse_close_payload(b"\x03\xe8\xce").unwrap_err().code, 1007);
    }

    #[test]
    fn build_payload() {
        assert_eq!(close_payload(1000, b""), b"\x03\xe8");
        assert_eq!(close_payload(4000, b"bye"), b"\x0f\xa0bye");
    }
}
