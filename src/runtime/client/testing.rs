//! What the client's unit tests share: peers on threads (std sockets, so
//! the client is tested against code that is not its own), scratch
//! directories, and a self-signed certificate made by the `openssl` CLI,
//! the way `tests-php/test_client.py` makes its own.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::runtime::settings::SettingValue;

use super::options;
use super::socket::{Kind, Sock};
use super::state::Client;

/// A directory removed with everything in it when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("swoole-rs-client-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A TCP server on 127.0.0.1 that accepts one connection and runs
/// `handler` on it in a thread (joined by the test, so its asserts count).
pub fn tcp_server<F>(handler: F) -> (u16, JoinHandle<()>)
where
    F: FnOnce(TcpStream) + Send + 'static,
{
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let h = std::thread::spawn(move || {
        let (s, _) = l.accept().expect("accept");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        handler(s);
    });
    (port, h)
}

/// Sends back what it reads until the peer closes.
pub fn echo(mut s: impl Read + Write) {
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if s.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

/// `$client->set()` items.
pub fn items(kv: &[(&str, SettingValue)]) -> Vec<(String, SettingValue)> {
    kv.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// A plain (non-SSL, non-KEEP) TCP client with these settings, connected
/// to 127.0.0.1:`port` with a 2 s timeout.
pub fn tcp_client(port: u16, settings: &[(&str, SettingValue)]) -> Client {
    let mut c = Client::new(
        Sock::new(Kind::Tcp).expect("socket"),
        false,
        false,
        String::new(),
    );
    let o = options::parse(&items(settings), false).expect("settings");
    c.apply(&o).expect("apply");
    c.sock.timeouts.set_all(2.0);
    c.connect("127.0.0.1", i64::from(port), 0).expect("connect");
    c
}

/// A self-signed certificate for `localhost` (its subject alternative
/// name; not a CA), as (certificate, key) PEM files in `dir`. Each `name`
/// gets its own subject, so that one certificate is an unknown issuer to
/// another (with equal subjects, webpki takes one for the other's issuer
/// and reports a bad signature); `None` when the `openssl` CLI is
/// missing, after saying that the test is skipped.
pub fn self_signed(dir: &Path, name: &str) -> Option<(PathBuf, PathBuf)> {
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .arg("ec_paramgen_curve:prime256v1")
        .args(["-nodes", "-days", "2", "-subj"])
        .arg(format!("/CN=swoole-rs test {name}"))
        .args(["-addext", "subjectAltName=DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    match made {
        Ok(out) if out.status.success() => Some((cert, key)),
        Ok(out) => panic!(
            "openssl could not make a certificate: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => {
            eprintln!("skipped: this TLS test needs the openssl CLI to make a certificate ({e})");
            None
        }
    }
}
