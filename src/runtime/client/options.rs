//! `$client->set()` settings as `connect()` reads them (Swoole applies a
//! client's settings when it connects, not when they are set).
//!
//! The framing keys go through the server's parser
//! ([`Settings::apply`](crate::runtime::settings::Settings::apply)), with
//! the client's own defaults and bounds: the body starts at offset 0, the
//! offsets are clamped to 0..=65535, and `recv()` with `open_eof_check`
//! always returns one packet (what `open_eof_split` does for a server).

use crate::protocol::framing::{Framing, LengthType};
use crate::runtime::settings::{self, SettingValue, Settings, DEFAULT_PACKAGE_MAX_LENGTH};

use super::tls::TlsOptions;

/// The timeout keys of a settings array, each when given.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TimeoutKeys {
    pub all: Option<f64>,
    pub connect: Option<f64>,
    pub read: Option<f64>,
    pub write: Option<f64>,
}

impl TimeoutKeys {
    /// Applies them in Swoole's order: `timeout` first, then the specific
    /// ones.
    pub fn apply(&self, t: &mut super::socket::Timeouts) {
        if let Some(all) = self.all {
            t.set_all(all);
        }
        for (v, slot) in [
            (self.connect, &mut t.connect),
            (self.read, &mut t.read),
            (self.write, &mut t.write),
        ] {
            if let Some(v) = v.filter(|v| *v != 0.0 && !v.is_nan()) {
                *slot = v;
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub framing: Framing,
    pub max_length: usize,
    pub buffer_size: Option<usize>,
    pub bind: Option<(String, i64)>,
    pub nodelay: bool,
    pub tls: TlsOptions,
    /// `timeout`, `connect_timeout`, `read_timeout`, `write_timeout` in
    /// seconds: a coroutine client's timeouts (the blocking client ignores
    /// them, as Swoole's does).
    pub timeouts: TimeoutKeys,
    /// Settings Swoole acts on that swoole-rs does not implement.
    pub unsupported: Vec<String>,
}

/// The keys of [`Options::unsupported`].
const UNSUPPORTED: &[&str] = &["open_mqtt_protocol", "socks5_host", "http_proxy_host"];

fn text(v: &SettingValue) -> String {
    match v {
        SettingValue::Str(s) => s.clone(),
        SettingValue::Int(i) => i.to_string(),
        SettingValue::Float(f) => f.to_string(),
        SettingValue::Bool(true) => "1".into(),
        _ => String::new(),
    }
}

/// A size as Swoole reads one (`php_swoole_parse_to_size`): a number, or a
/// string with PHP's ini quantity suffixes ("2M", "512k", "1g").
fn size(v: &SettingValue) -> i64 {
    if let SettingValue::Str(s) = v {
        let t = s.trim();
        let (digits, shift) = match t.as_bytes().last() {
            Some(b'k' | b'K') => (&t[..t.len() - 1], 10),
            Some(b'm' | b'M') => (&t[..t.len() - 1], 20),
            Some(b'g' | b'G') => (&t[..t.len() - 1], 30),
            _ => (t, 0),
        };
        if let Ok(n) = digits.trim().parse::<i64>() {
            return n.saturating_mul(1 << shift);
        }
    }
    v.as_int().unwrap_or(0)
}

fn offset(v: &SettingValue) -> usize {
    v.as_int().unwrap_or(0).clamp(0, 65535) as usize
}

/// The options of a settings array; `Err` is the text of the fatal error
/// Swoole raises for an unusable value. `ssl` says whether the `ssl_*`
/// keys are read (an SSL client).
pub fn parse(items: &[(String, SettingValue)], ssl: bool) -> Result<Options, String> {
    let mut s = Settings::default();
    s.stream.body_offset = 0;
    let mut length_offset = 0;
    let mut body_offset = 0;
    let mut max_length = DEFAULT_PACKAGE_MAX_LENGTH;
    let mut o = Options {
        framing: Framing::Raw,
        max_length,
        buffer_size: None,
        bind: None,
        nodelay: true,
        tls: TlsOptions::default(),
        timeouts: TimeoutKeys::default(),
        unsupported: Vec::new(),
    };
    let mut bind_address = String::new();
    let mut bind_port = 0;
    for (k, v) in items {
        match k.as_str() {
            "open_eof_check" | "open_eof_split" | "open_length_check" => s.apply(k, v),
            "package_eof" => {
                let eof = SettingValue::Str(text(v));
                if let Some(why) = settings::refused(k, &eof) {
                    return Err(why.to_string());
                }
                s.apply(k, &eof);
            }
            "package_length_type" => {
                let t = text(v);
                let code = t.bytes().next().unwrap_or(0);
                if LengthType::from_code(code).is_none() {
                    return Err(format!(
                        "Unknown package_length_type name '{}', see pack(). Link: https://php.net/pack",
                        t.chars().next().map(String::from).unwrap_or_default()
                    ));
                }
                s.apply(k, &SettingValue::Str(t));
            }
            "package_length_offset" => length_offset = offset(v),
            "package_body_offset" => body_offset = offset(v),
            "package_max_length" => max_length = size(v).clamp(0, i64::from(u32::MAX)) as usize,
            "socket_buffer_size" => {
                o.buffer_size = Some(size(v).clamp(1, i64::from(i32::MAX)) as usize)
            }
            "bind_port" => bind_port = v.as_int().unwrap_or(0).clamp(0, 65535),
            "bind_address" => bind_address = text(v),
            // Length framing by the script's function: the PHP layer says
            // `true` when it can call it (the blocking client); elsewhere
            // it is not supported.
            "package_length_func" if matches!(v, SettingValue::Bool(true)) => s.apply(k, v),
            "package_length_func" => o.unsupported.push(k.clone()),
            "open_tcp_nodelay" => o.nodelay = v.truthy(),
            "timeout" => o.timeouts.all = v.as_float(),
            "connect_timeout" => o.timeouts.connect = v.as_float(),
            "read_timeout" => o.timeouts.read = v.as_float(),
            "write_timeout" => o.timeouts.write = v.as_float(),
            key if UNSUPPORTED.contains(&key) => o.unsupported.push(key.to_string()),
            _ => {}
        }
    }
    if !bind_address.is_empty() {
        o.bind = Some((bind_address, bind_port));
    }
    s.stream.length_offset = length_offset;
    s.stream.body_offset = body_offset;
    o.framing = match s.framing() {
        // The client's recv() cuts at the first EOF whether or not
        // open_eof_split is on.
        Framing::Eof { eof, .. } => Framing::Eof { eof, split: true },
        f => f,
    };
    o.max_length = max_length;
    if ssl {
        o.tls = tls_options(items)?;
    }
    Ok(o)
}

/// The `ssl_*` keys, with Swoole's fatal errors for missing files.
pub fn tls_options(items: &[(String, SettingValue)]) -> Result<TlsOptions, String> {
    let mut t = TlsOptions::default();
    let non_empty = |v: &SettingValue| Some(text(v)).filter(|s| !s.is_empty());
    for (k, v) in items {
        match k.as_str() {
            "ssl_verify_peer" => t.verify_peer = v.truthy(),
            "ssl_allow_self_signed" => t.allow_self_signed = v.truthy(),
            "ssl_host_name" => t.host_name = non_empty(v),
            "ssl_cafile" => t.cafile = non_empty(v),
            "ssl_capath" => t.capath = non_empty(v),
            "ssl_cert_file" => {
                let f = text(v);
                if !std::path::Path::new(&f).is_file() {
                    return Err(format!("ssl cert file[{f}] not found"));
                }
                t.cert_file = Some(f);
            }
            "ssl_key_file" => {
                let f = text(v);
                if !std::path::Path::new(&f).is_file() {
                    return Err(format!("ssl key file[{f}] not found"));
                }
                t.key_file = Some(f);
            }
            _ => {}
        }
    }
    match (&t.cert_file, &t.key_file) {
        (Some(_), None) => Err("ssl require key file".into()),
        (None, Some(_)) => Err("ssl require cert file".into()),
        _ => Ok(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(kv: &[(&str, SettingValue)]) -> Vec<(String, SettingValue)> {
        kv.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    fn s(v: &str) -> SettingValue {
        SettingValue::Str(v.into())
    }

    #[test]
    fn defaults_are_raw_with_nodelay() {
        let o = parse(&[], false).expect("parse");
        assert!(matches!(o.framing, Framing::Raw));
        assert_eq!(o.max_length, DEFAULT_PACKAGE_MAX_LENGTH);
        assert!(o.nodelay && o.bind.is_none() && o.unsupported.is_empty());
    }

    #[test]
    fn sizes_take_phps_ini_suffixes() {
        let o = parse(
            &items(&[
                ("package_max_length", s("2M")),
                ("socket_buffer_size", s("512k")),
            ]),
            false,
        )
        .expect("parse");
        assert_eq!(o.max_length, 2 << 20);
        assert_eq!(o.buffer_size, Some(512 << 10));
    }

    #[test]
    fn eof_check_always_splits_and_lengths_start_at_offset_zero() {
        let o = parse(
            &items(&[
                ("open_eof_check", SettingValue::Bool(true)),
                ("package_eof", s("\r\n")),
            ]),
            false,
        )
        .expect("parse");
        assert!(matches!(o.framing, Framing::Eof { ref eof, split: true } if eof == b"\r\n"));
        let o = parse(
            &items(&[
                ("open_length_check", SettingValue::Bool(true)),
                ("package_length_type", s("n")),
                ("package_length_offset", SettingValue::Int(70000)),
            ]),
            false,
        )
        .expect("parse");
        assert!(matches!(
            o.framing,
            Framing::Length {
                ty: LengthType::U16Be,
                length_offset: 65535,
                body_offset: 0
            }
        ));
    }

    #[test]
    fn unusable_values_are_swooles_fatal_errors() {
        let bad_type = items(&[("package_length_type", s("z"))]);
        assert_eq!(
            parse(&bad_type, false).err().as_deref(),
            Some("Unknown package_length_type name 'z', see pack(). Link: https://php.net/pack")
        );
        let long_eof = items(&[("package_eof", s("123456789"))]);
        assert_eq!(
            parse(&long_eof, false).err().as_deref(),
            Some("package_eof max length is 8")
        );
        let no_key = items(&[("ssl_cert_file", s("/etc/hostname"))]);
        assert_eq!(
            parse(&no_key, true).err().as_deref(),
            Some("ssl require key file")
        );
        // Not an SSL client: the ssl_* keys are not read.
        assert!(parse(&no_key, false).is_ok());
        let missing = items(&[("ssl_cert_file", s("/nonexistent.pem"))]);
        assert_eq!(
            parse(&missing, true).err().as_deref(),
            Some("ssl cert file[/nonexistent.pem] not found")
        );
    }

    #[test]
    fn bind_and_unsupported_keys() {
        let o = parse(
            &items(&[
                ("bind_address", s("127.0.0.1")),
                ("bind_port", SettingValue::Int(9999)),
                ("open_tcp_nodelay", SettingValue::Bool(false)),
                ("socks5_host", s("proxy")),
            ]),
            false,
        )
        .expect("parse");
        assert_eq!(o.bind, Some(("127.0.0.1".to_string(), 9999)));
        assert!(!o.nodelay);
        assert_eq!(o.unsupported, vec!["socks5_host".to_string()]);
    }
}
