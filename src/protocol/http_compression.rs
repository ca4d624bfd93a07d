//! Response compression as `Http\Server` does it (`http_compression`, on
//! by default in Swoole): a whole body given to `end()` is compressed with
//! the coding the request's `Accept-Encoding` allows, preferring br, then
//! gzip, then deflate (Swoole's order, whatever the q-values rank); a body
//! shorter than `http_compression_min_length` (20), a `Content-Type` not
//! in `http_compression_types` (when that list is set), or a response the
//! script gave its own `Content-Encoding` is sent as it is.
//!
//! Different from Swoole where it breaks RFC 9110: "deflate" is the zlib
//! format (Swoole sends raw deflate data, which RFC 9110 §8.4.1.2 does not
//! allow), and a coding the client refuses with `q=0` is not used (Swoole
//! looks for the name anywhere in the header).

use std::io::Write;

/// A content coding we produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
    Deflate,
}

impl Coding {
    /// Its `Content-Encoding` name.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
        }
    }
}

/// The server's compression settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `http_compression_level` (Swoole's default 1): zlib's level (0 is
    /// taken as 1, above 9 as 9) and brotli's quality (at most 11).
    pub level: u8,
    /// `http_compression_min_length` (default 20 bytes).
    pub min_length: usize,
    /// `http_compression_types`: the `Content-Type` values compressed, as
    /// set (compared whole); None compresses every type.
    pub types: Option<Vec<String>>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            level: 1,
            min_length: 20,
            types: None,
        }
    }
}

/// The coding a request's `Accept-Encoding` value allows, by Swoole's
/// preference (br, gzip, deflate); a coding with `q=0` is refused.
pub fn choose(accept_encoding: &[u8]) -> Option<Coding> {
    let text = String::from_utf8_lossy(accept_encoding).to_ascii_lowercase();
    let mut accepted = [false; 3];
    for item in text.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if refused {
            continue;
        }
        match name {
            "br" => accepted[0] = true,
            "gzip" | "x-gzip" => accepted[1] = true,
            "deflate" => accepted[2] = true,
            _ => {}
        }
    }
    [Coding::Brotli, Coding::Gzip, Coding::Deflate]
        .into_iter()
        .zip(accepted)
        .find(|(_, ok)| *ok)
        .map(|(c, _)| c)
}

impl Policy {
    /// Whether a body of `len` bytes with this `Content-Type` (None: the
    /// default `text/html`) is compressed.
    pub fn applies(&self, len: usize, content_type: Option<&[u8]>) -> bool {
        if len < self.min_length || len == 0 {
            return false;
        }
        match &self.types {
            None => true,
            Some(types) => {
                let ct = content_type.unwrap_or(super::response::DEFAULT_CONTENT_TYPE.as_bytes());
                types.iter().any(|t| t.as_bytes() == ct)
            }
        }
    }

    /// `body` in `coding`; None if the encoder failed (the body then goes
    /// out as it is).
    pub fn compress(&self, coding: Coding, body: &[u8]) -> Option<Vec<u8>> {
        let zlib_level = flate2::Compression::new(u32::from(self.level.clamp(1, 9)));
        match coding {
            Coding::Gzip => {
                let mut e = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 2 + 32),
                    zlib_level,
                );
                e.write_all(body).ok()?;
                e.finish().ok()
            }
            Coding::Deflate => {
                let mut e = flate2::write::ZlibEncoder::new(
                    Vec::with_capacity(body.len() / 2 + 16),
                    zlib_level,
                );
                e.write_all(body).ok()?;
                e.finish().ok()
            }
            Coding::Brotli => {
                // As C brotli's one-shot BrotliEncoderCompress() (Swoole's):
                // default window and mode, the input's size as the hint.
                let params = brotli::enc::BrotliEncoderParams {
                    quality: i32::from(self.level.min(11)),
                    size_hint: body.len(),
                    ..Default::default()
                };
                let mut out = Vec::with_capacity(body.len() / 2 + 16);
                brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
                Some(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn swoole_prefers_br_then_gzip_then_deflate() {
        assert_eq!(choose(b"gzip, deflate, br"), Some(Coding::Brotli));
        assert_eq!(choose(b"deflate, gzip"), Some(Coding::Gzip));
        assert_eq!(choose(b"deflate"), Some(Coding::Deflate));
        assert_eq!(choose(b"GZIP;q=0.5"), Some(Coding::Gzip));
        assert_eq!(choose(b"identity"), None);
        assert_eq!(choose(b""), None);
        // RFC 9110: q=0 refuses a coding.
        assert_eq!(choose(b"br;q=0, gzip"), Some(Coding::Gzip));
        assert_eq!(choose(b"gzip; q=0"), None);
    }

    #[test]
    fn short_bodies_and_other_types_are_left_alone() {
        let p = Policy::default();
        assert!(!p.applies(19, None));
        assert!(p.applies(20, None));
        assert!(p.applies(100, Some(b"image/png")));
        let typed = Policy {
            types: Some(vec!["text/html".into(), "application/json".into()]),
            ..Policy::default()
        };
        assert!(typed.applies(100, None));
        assert!(typed.applies(100, Some(b"application/json")));
        assert!(!typed.applies(100, Some(b"application/json; charset=utf-8")));
        assert!(!typed.applies(100, Some(b"image/png")));
    }

    #[test]
    fn every_coding_round_trips() {
        let body = b"hello hello hello hello hello hello hello hello".repeat(20);
        let p = Policy::default();
        let gz = p.compress(Coding::Gzip, &body).unwrap();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, body);
        let zl = p.compress(Coding::Deflate, &body).unwrap();
        // The zlib format (RFC 1950), as RFC 9110 asks of "deflate".
        assert_eq!(zl[0] & 0x0f, 8);
        out.clear();
        flate2::read::ZlibDecoder::new(&zl[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, body);
        let br = p.compress(Coding::Brotli, &body).unwrap();
        out.clear();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, body);
        assert!(br.len() < body.len() / 4 && gz.len() < body.len() / 4);
    }
}
