//! TLS for `SWOOLE_SOCK_TCP | SWOOLE_SSL` clients and `enableSSL()`, with
//! rustls over the client's blocking socket.
//!
//! Swoole's client defaults, kept here: the peer's certificate is not
//! checked unless `ssl_verify_peer` is on; then the chain must lead to
//! `ssl_cafile` / `ssl_capath` (or the system's bundle), and the name is
//! checked (and sent as SNI) only when `ssl_host_name` is set.

use std::io::{self, Read, Write};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct};

use super::codes;
use super::socket::{Event, Sock, Step};

/// The `ssl_*` settings of a client.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    pub verify_peer: bool,
    pub allow_self_signed: bool,
    pub host_name: Option<String>,
    pub cafile: Option<String>,
    pub capath: Option<String>,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
}

#[derive(Debug)]
struct Verifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    check_name: bool,
    allow_self_signed: bool,
    provider: Arc<CryptoProvider>,
    /// Why the last check refused the peer (for Swoole's log line).
    refusal: std::sync::Mutex<Option<Refusal>>,
}

/// Why a peer certificate was refused, as Swoole's client logs it
/// (`Socket::ssl_verify()`, `Socket::ssl_check_host()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A lone self-issued certificate (OpenSSL's depth-zero self-signed).
    SelfSigned,
    /// Another chain error: OpenSSL's `X509_V_ERR_*` number and text.
    Chain(i64, &'static str),
    /// The chain is good but not for `ssl_host_name`.
    HostName,
}

impl Refusal {
    /// The error as OpenSSL would have reported it for this certificate.
    fn of(err: &rustls::Error, end_entity: &[u8], intermediates: usize) -> Refusal {
        let rustls::Error::InvalidCertificate(e) = err else {
            return Refusal::Chain(1, "unspecified certificate verification error");
        };
        match e {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                Refusal::HostName
            }
            CertificateError::UnknownIssuer if intermediates == 0 && is_self_issued(end_entity) => {
                Refusal::SelfSigned
            }
            CertificateError::UnknownIssuer => {
                Refusal::Chain(20, "unable to get local issuer certificate")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                Refusal::Chain(10, "certificate has expired")
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                Refusal::Chain(9, "certificate is not yet valid")
            }
            CertificateError::BadSignature => Refusal::Chain(7, "certificate signature failure"),
            CertificateError::Revoked => Refusal::Chain(23, "certificate revoked"),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                Refusal::Chain(26, "unsupported certificate purpose")
            }
            _ => Refusal::Chain(1, "unspecified certificate verification error"),
        }
    }

    /// Swoole's log line for socket `fd`, and whether it is a notice
    /// (else a warning).
    pub fn log_line(&self, fd: i64) -> (bool, String) {
        match self {
            Refusal::SelfSigned => (
                true,
                format!(
                    "Socket::ssl_verify() (ERRNO 1014): self signed certificate from fd#{fd} is not allowed"
                ),
            ),
            Refusal::Chain(n, text) => (
                true,
                format!(
                    "Socket::ssl_verify() (ERRNO 1014): can not verify peer from fd#{fd} with error#{n}: {text}"
                ),
            ),
            Refusal::HostName => (
                false,
                "Socket::ssl_check_host(): X509_check_host(): no match".to_string(),
            ),
        }
    }
}

/// Where a refused certificate's log line goes: set by the PHP layer
/// (Swoole's logger, marked for the process it runs in); unset, nowhere.
static REFUSAL_LOG: std::sync::OnceLock<fn(notice: bool, line: &str)> = std::sync::OnceLock::new();

/// Sets where refused certificates are reported (once, at startup).
pub fn set_refusal_log(f: fn(notice: bool, line: &str)) {
    let _ = REFUSAL_LOG.set(f);
}

fn report_refusal(v: &Verifier, sock: &Sock) {
    let refusal = v.refusal.lock().ok().and_then(|mut r| r.take());
    if let (Some(r), Some(log)) = (refusal, REFUSAL_LOG.get()) {
        let (notice, line) = r.log_line(sock.fd());
        log(notice, &line);
    }
}

/// One DER element at the start of `buf`: (tag, content, whole length).
fn der_element(buf: &[u8]) -> Option<(u8, &[u8], usize)> {
    let tag = *buf.first()?;
    let first = *buf.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = buf.get(2..2 + n)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, 2 + n)
    };
    let content = buf.get(header..header.checked_add(len)?)?;
    Some((tag, content, header + len))
}

/// Whether a DER certificate names itself as its issuer.
fn is_self_issued(cert: &[u8]) -> bool {
    let fields = || -> Option<bool> {
        let (_, cert, _) = der_element(cert)?;
        let (_, mut tbs, _) = der_element(cert)?;
        // [0] version (optional), serialNumber, signature, issuer,
        // validity, subject.
        let mut seen = Vec::with_capacity(6);
        while seen.len() < 6 {
            let (tag, _, len) = der_element(tbs)?;
            seen.push((tag, tbs.get(..len)?));
            tbs = tbs.get(len..)?;
        }
        let skip = usize::from(seen.first()?.0 == 0xa0);
        let issuer = seen.get(skip + 2)?.1;
        let subject = seen.get(skip + 4)?.1;
        Some(issuer == subject)
    };
    fields().unwrap_or(false)
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(v) = &self.webpki else {
            return Ok(ServerCertVerified::assertion());
        };
        match v.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Ok(ok) => Ok(ok),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))
                if self.allow_self_signed && intermediates.is_empty() =>
            {
                Ok(ServerCertVerified::assertion())
            }
            Err(e) => {
                let why = Refusal::of(&e, end_entity.as_ref(), intermediates.len());
                if let Ok(mut r) = self.refusal.lock() {
                    *r = Some(why);
                }
                Err(e)
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Where the system keeps its CA bundle (the first that exists is used).
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

fn add_pem_file(roots: &mut rustls::RootCertStore, path: &std::path::Path) -> usize {
    let Ok(iter) = CertificateDer::pem_file_iter(path) else {
        return 0;
    };
    let certs: Vec<_> = iter.filter_map(Result::ok).collect();
    roots.add_parsable_certificates(certs).0
}

fn roots(o: &TlsOptions) -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    if let Some(f) = &o.cafile {
        add_pem_file(&mut roots, std::path::Path::new(f));
    }
    if let Some(d) = &o.capath {
        if let Ok(entries) = std::fs::read_dir(d) {
            for e in entries.flatten() {
                add_pem_file(&mut roots, &e.path());
            }
        }
    }
    if o.cafile.is_none() && o.capath.is_none() {
        for b in SYSTEM_BUNDLES {
            if add_pem_file(&mut roots, std::path::Path::new(b)) > 0 {
                break;
            }
        }
    }
    roots
}

/// The client configuration for these settings; `Err` is
/// SWOOLE_ERROR_SSL_CREATE_CONTEXT_FAILED.
pub fn config(o: &TlsOptions) -> Result<Arc<ClientConfig>, i64> {
    config_and_verifier(o).map(|(c, _)| c)
}

fn config_and_verifier(o: &TlsOptions) -> Result<(Arc<ClientConfig>, Arc<Verifier>), i64> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let webpki = if o.verify_peer {
        let v = WebPkiServerVerifier::builder_with_provider(Arc::new(roots(o)), provider.clone())
            .build()
            .map_err(|_| codes::SSL_CREATE_CONTEXT_FAILED)?;
        Some(v)
    } else {
        None
    };
    let verifier = Arc::new(Verifier {
        webpki,
        check_name: o.host_name.is_some(),
        allow_self_signed: o.allow_self_signed,
        provider: provider.clone(),
        refusal: std::sync::Mutex::new(None),
    });
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| codes::SSL_CREATE_CONTEXT_FAILED)?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone());
    let config = match (&o.cert_file, &o.key_file) {
        (Some(c), Some(k)) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(c)
                .map_err(|_| codes::SSL_CREATE_CONTEXT_FAILED)?
                .filter_map(Result::ok)
                .collect();
            let key =
                PrivateKeyDer::from_pem_file(k).map_err(|_| codes::SSL_CREATE_CONTEXT_FAILED)?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|_| codes::SSL_CREATE_CONTEXT_FAILED)?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok((Arc::new(config), verifier))
}

/// The name the handshake is for: `ssl_host_name` (sent as SNI), else the
/// address connected to (no SNI), as Swoole's client does.
pub fn server_name(o: &TlsOptions, sock: &Sock) -> ServerName<'static> {
    if let Some(n) = o.host_name.as_deref() {
        if let Ok(name) = ServerName::try_from(n.to_string()) {
            return name;
        }
    }
    match sock.sock.peer_addr().ok().and_then(|a| a.as_socket()) {
        Some(a) => ServerName::IpAddress(a.ip().into()),
        None => ServerName::IpAddress(std::net::IpAddr::from([127, 0, 0, 1]).into()),
    }
}

/// The socket as the byte stream rustls reads and writes, with the
/// client's timeouts on every wait.
pub struct Io<'a>(pub &'a Sock);

impl Read for Io<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let s = self.0;
        s.wait_for(Event::Read, s.timeouts.read, || s.recv_once(buf, 0))
            .map_err(os_error)
    }
}

impl Write for Io<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let s = self.0;
        s.wait_for(Event::Write, s.timeouts.write, || {
            match s.send_once(buf, 0)? {
                Step::Ready(n) => Ok(Step::Ready(n)),
                Step::Again => Ok(Step::Again),
            }
        })
        .map_err(os_error)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn os_error(code: i64) -> io::Error {
    io::Error::from_raw_os_error(i32::try_from(code).unwrap_or(libc::EIO))
}

/// The code a failed TLS operation leaves: the socket's errno, else
/// `fallback` (or SSL verify failed for a refused certificate).
pub fn error_code(e: &io::Error, fallback: i64) -> i64 {
    if let Some(n) = e.raw_os_error() {
        return i64::from(n);
    }
    if let Some(inner) = e.get_ref() {
        if let Some(rustls::Error::InvalidCertificate(_)) = inner.downcast_ref::<rustls::Error>() {
            return codes::SSL_VERIFY_FAILED;
        }
    }
    fallback
}

/// Runs the handshake on a connected socket.
pub fn handshake(o: &TlsOptions, sock: &Sock) -> Result<Box<ClientConnection>, i64> {
    let (cfg, verifier) = config_and_verifier(o)?;
    let mut conn = ClientConnection::new(cfg, server_name(o, sock))
        .map_err(|_| codes::SSL_CREATE_SESSION_FAILED)?;
    let mut io = Io(sock);
    while conn.is_handshaking() {
        match conn.complete_io(&mut io) {
            Ok((0, 0)) if conn.is_handshaking() => return Err(codes::SSL_HANDSHAKE_FAILED),
            Ok(_) => {}
            Err(e) => {
                report_refusal(&verifier, sock);
                return Err(error_code(&e, codes::SSL_HANDSHAKE_FAILED));
            }
        }
    }
    Ok(Box::new(conn))
}

/// Plaintext from the connection: one read, or with `wait_all` until `buf`
/// is full or the peer closes. 0: closed (a missing close_notify too).
pub fn recv(
    conn: &mut ClientConnection,
    sock: &Sock,
    buf: &mut [u8],
    wait_all: bool,
) -> Result<usize, i64> {
    let mut io = Io(sock);
    let mut got = 0;
    while got < buf.len() {
        let mut s = rustls::Stream::new(conn, &mut io);
        match s.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => {
                got += n;
                if !wait_all {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => {
                if got > 0 && wait_all {
                    break;
                }
                return Err(error_code(&e, codes::SSL_BAD_PROTOCOL));
            }
        }
    }
    Ok(got)
}

/// Sends all of `data`.
pub fn send(conn: &mut ClientConnection, sock: &Sock, data: &[u8]) -> Result<usize, i64> {
    let mut io = Io(sock);
    let mut s = rustls::Stream::new(conn, &mut io);
    s.write_all(data)
        .and_then(|()| s.flush())
        .map_err(|e| error_code(&e, codes::SSL_BAD_PROTOCOL))?;
    Ok(data.len())
}

/// Sends close_notify, best effort.
pub fn close(conn: &mut ClientConnection, sock: &Sock) {
    conn.send_close_notify();
    let mut io = Io(sock);
    while conn.wants_write() {
        if conn.write_tls(&mut io).is_err() {
            break;
        }
    }
}

/// The peer's certificate as PEM (`getPeerCert()`).
pub fn peer_cert_pem(conn: &ClientConnection) -> Option<String> {
    let der = conn.peer_certificates()?.first()?;
    Some(pem("CERTIFICATE", der.as_ref()))
}

fn pem(label: &str, der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::with_capacity(der.len().div_ceil(3) * 4);
    for chunk in der.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// `verifyPeerCert()`: the peer's chain checked against the configured
/// roots (and `ssl_host_name`), whatever `ssl_verify_peer` said.
pub fn verify_peer(
    o: &TlsOptions,
    conn: &ClientConnection,
    sock: &Sock,
    allow_self_signed: bool,
) -> bool {
    let Some(certs) = conn.peer_certificates() else {
        return false;
    };
    let Some((end, rest)) = certs.split_first() else {
        return false;
    };
    let opts = TlsOptions {
        verify_peer: true,
        allow_self_signed,
        ..o.clone()
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let Ok(webpki) =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots(&opts)), provider.clone())
            .build()
    else {
        return allow_self_signed && rest.is_empty();
    };
    let v = Verifier {
        webpki: Some(webpki),
        check_name: opts.host_name.is_some(),
        allow_self_signed,
        provider,
        refusal: std::sync::Mutex::new(None),
    };
    let ok = v
        .verify_server_cert(end, rest, &server_name(&opts, sock), &[], UnixTime::now())
        .is_ok();
    if !ok {
        report_refusal(&v, sock);
    }
    ok
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::path::Path;
    use std::sync::mpsc;
    use std::thread::JoinHandle;
    use std::time::Duration;

    use rustls::{ServerConnection, StreamOwned};

    use super::super::socket::Kind;
    use super::super::testing::{echo, self_signed, tcp_server, TempDir};
    use super::*;

    type ServerStream = StreamOwned<ServerConnection, TcpStream>;

    /// A rustls server (the runtime's own server configuration) for one
    /// connection, running `handler` once the handshake is under way.
    fn tls_server<F>(cert: &Path, key: &Path, handler: F) -> (u16, JoinHandle<()>)
    where
        F: FnOnce(ServerStream) + Send + 'static,
    {
        let cfg = crate::runtime::tls::server_config(cert.to_str(), key.to_str(), false)
            .expect("server config");
        tcp_server(move |t| {
            let conn = ServerConnection::new(cfg).expect("server connection");
            handler(StreamOwned::new(conn, t));
        })
    }

    /// An echo server that reports the SNI name the client sent (only when
    /// the handshake succeeded).
    fn echo_server(
        cert: &Path,
        key: &Path,
    ) -> (u16, JoinHandle<()>, mpsc::Receiver<Option<String>>) {
        let (sni, rx) = mpsc::channel();
        let (port, h) = tls_server(cert, key, move |mut s| {
            let mut buf = [0u8; 4096];
            let Ok(n) = s.read(&mut buf) else { return };
            let _ = sni.send(s.conn.server_name().map(String::from));
            if s.write_all(&buf[..n]).and_then(|()| s.flush()).is_ok() {
                echo(s);
            }
        });
        (port, h, rx)
    }

    fn connected(port: u16) -> Sock {
        let mut s = Sock::new(Kind::Tcp).expect("socket");
        s.timeouts.set_all(5.0);
        let addr = s.address("127.0.0.1", i64::from(port)).expect("address");
        assert_eq!(s.connect_stream(&addr, false), Ok(true));
        s
    }

    fn round_trip(conn: &mut ClientConnection, sock: &Sock, msg: &[u8]) -> Vec<u8> {
        assert_eq!(send(conn, sock, msg), Ok(msg.len()));
        let mut buf = vec![0u8; msg.len()];
        let n = recv(conn, sock, &mut buf, true).expect("recv");
        buf.truncate(n);
        buf
    }

    fn path(p: &Path) -> Option<String> {
        Some(p.to_str().expect("utf-8 path").to_string())
    }

    #[test]
    fn pem_is_base64_in_64_column_lines() {
        assert_eq!(
            pem("X", b"abc"),
            "-----BEGIN X-----\nYWJj\n-----END X-----\n"
        );
        assert_eq!(
            pem("X", b"ab"),
            "-----BEGIN X-----\nYWI=\n-----END X-----\n"
        );
        assert_eq!(pem("X", b"a"), "-----BEGIN X-----\nYQ==\n-----END X-----\n");
        let long = pem("X", &[0u8; 60]);
        let lines: Vec<_> = long.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[1], "A".repeat(64));
        assert_eq!(lines[2], "A".repeat(16));
    }

    #[test]
    fn unreadable_client_certificate_files_fail_the_context() {
        let o = TlsOptions {
            cert_file: Some("/nonexistent/cert.pem".into()),
            key_file: Some("/nonexistent/key.pem".into()),
            ..TlsOptions::default()
        };
        assert_eq!(config(&o).err(), Some(codes::SSL_CREATE_CONTEXT_FAILED));
    }

    #[test]
    fn handshake_accepts_a_self_signed_certificate_by_default_and_closes_cleanly() {
        let dir = TempDir::new("tls-default");
        let Some((cert, key)) = self_signed(&dir.0, "server") else {
            return;
        };
        let (sni, got_sni) = mpsc::channel();
        let (clean, got_clean) = mpsc::channel();
        let (port, server) = tls_server(&cert, &key, move |mut s| {
            let mut buf = [0u8; 64];
            let n = s.read(&mut buf).expect("read");
            sni.send(s.conn.server_name().map(String::from))
                .expect("report");
            s.write_all(&buf[..n]).expect("write");
            s.flush().expect("flush");
            // Ok(0) is close_notify; a bare TCP close is an error.
            clean
                .send(matches!(s.read(&mut buf), Ok(0)))
                .expect("report");
        });
        let sock = connected(port);
        let mut conn = handshake(&TlsOptions::default(), &sock).expect("handshake");
        assert_eq!(round_trip(&mut conn, &sock, b"secret"), b"secret");
        assert_eq!(got_sni.recv().expect("sni"), None, "no SNI for an address");
        let file = std::fs::read_to_string(&cert).expect("cert");
        assert_eq!(peer_cert_pem(&conn).as_deref(), Some(file.as_str()));
        close(&mut conn, &sock);
        assert!(
            got_clean
                .recv_timeout(Duration::from_secs(5))
                .expect("report"),
            "the server got close_notify"
        );
        server.join().expect("server");
    }

    #[test]
    fn a_refusal_is_what_openssl_would_report() {
        let dir = TempDir::new("tls-refusal");
        let Some((cert, _)) = self_signed(&dir.0, "server") else {
            return;
        };
        let der: Vec<u8> = CertificateDer::pem_file_iter(&cert)
            .expect("pem")
            .next()
            .expect("one certificate")
            .expect("parsed")
            .as_ref()
            .to_vec();
        assert!(is_self_issued(&der));
        assert!(!is_self_issued(&der[..der.len() / 2]), "cut short");
        assert!(
            !is_self_issued(b"\x30\x85\x01\x02\x03\x04\x05"),
            "length too long"
        );
        let cert_err = |e| rustls::Error::InvalidCertificate(e);
        assert_eq!(
            Refusal::of(&cert_err(CertificateError::UnknownIssuer), &der, 0),
            Refusal::SelfSigned
        );
        assert_eq!(
            Refusal::of(&cert_err(CertificateError::UnknownIssuer), &der, 1),
            Refusal::Chain(20, "unable to get local issuer certificate")
        );
        assert_eq!(
            Refusal::of(&cert_err(CertificateError::NotValidForName), &der, 0),
            Refusal::HostName
        );
        assert_eq!(
            Refusal::of(&cert_err(CertificateError::Expired), &der, 0),
            Refusal::Chain(10, "certificate has expired")
        );
        assert_eq!(
            Refusal::SelfSigned.log_line(4),
            (
                true,
                "Socket::ssl_verify() (ERRNO 1014): self signed certificate from fd#4 is not allowed"
                    .to_string()
            )
        );
        assert_eq!(
            Refusal::Chain(20, "unable to get local issuer certificate").log_line(7).1,
            "Socket::ssl_verify() (ERRNO 1014): can not verify peer from fd#7 with error#20: unable to get local issuer certificate"
        );
        assert!(!Refusal::HostName.log_line(4).0, "a warning");
    }

    #[test]
    fn verify_peer_checks_the_chain_and_the_host_name() {
        let dir = TempDir::new("tls-verify");
        let Some((cert, key)) = self_signed(&dir.0, "server") else {
            return;
        };
        let Some((other, _)) = self_signed(&dir.0, "other") else {
            return;
        };
        let verify = |cafile: &Path, host: Option<&str>, self_signed_ok: bool| TlsOptions {
            verify_peer: true,
            allow_self_signed: self_signed_ok,
            cafile: path(cafile),
            host_name: host.map(String::from),
            ..TlsOptions::default()
        };
        let cases = [
            // (settings, handshake result, SNI the server saw)
            (
                verify(&cert, Some("localhost"), false),
                Ok(()),
                Some("localhost"),
            ),
            // Without ssl_host_name the name is not checked (nor sent).
            (verify(&cert, None, false), Ok(()), None),
            (
                verify(&cert, Some("example.com"), false),
                Err(codes::SSL_VERIFY_FAILED),
                None,
            ),
            (
                verify(&other, None, false),
                Err(codes::SSL_VERIFY_FAILED),
                None,
            ),
            (verify(&other, None, true), Ok(()), None),
        ];
        for (i, (o, want, want_sni)) in cases.into_iter().enumerate() {
            let (port, server, sni) = echo_server(&cert, &key);
            let sock = connected(port);
            match handshake(&o, &sock) {
                Ok(mut conn) => {
                    assert_eq!(want, Ok(()), "case {i}");
                    assert_eq!(round_trip(&mut conn, &sock, b"checked"), b"checked");
                    let seen = sni.recv().expect("sni");
                    assert_eq!(seen.as_deref(), want_sni, "case {i}");
                }
                Err(code) => assert_eq!(want, Err(code), "case {i}"),
            }
            drop(sock);
            server.join().expect("server");
        }
    }

    #[test]
    fn verify_peer_cert_checks_after_an_unverified_handshake() {
        let dir = TempDir::new("tls-verify-after");
        let Some((cert, key)) = self_signed(&dir.0, "server") else {
            return;
        };
        let Some((other, _)) = self_signed(&dir.0, "other") else {
            return;
        };
        let (port, server, _) = echo_server(&cert, &key);
        let sock = connected(port);
        let mut conn = handshake(&TlsOptions::default(), &sock).expect("handshake");
        assert_eq!(round_trip(&mut conn, &sock, b"x"), b"x");
        let with = |cafile: &Path, host: Option<&str>| TlsOptions {
            cafile: path(cafile),
            host_name: host.map(String::from),
            ..TlsOptions::default()
        };
        assert!(!verify_peer(&with(&other, None), &conn, &sock, false));
        assert!(verify_peer(&with(&other, None), &conn, &sock, true));
        assert!(verify_peer(
            &with(&cert, Some("localhost")),
            &conn,
            &sock,
            false
        ));
        assert!(!verify_peer(
            &with(&cert, Some("example.com")),
            &conn,
            &sock,
            false
        ));
        // A client certificate and key that belong together make a context.
        let client_auth = TlsOptions {
            cert_file: path(&cert),
            key_file: path(&key),
            ..TlsOptions::default()
        };
        assert!(config(&client_auth).is_ok());
        drop(sock);
        server.join().expect("server");
    }

    #[test]
    fn recv_reads_until_close_notify_then_zero() {
        let dir = TempDir::new("tls-close");
        let Some((cert, key)) = self_signed(&dir.0, "server") else {
            return;
        };
        let (port, server) = tls_server(&cert, &key, |mut s| {
            let mut buf = [0u8; 2];
            s.read_exact(&mut buf).expect("read");
            s.write_all(b"bye").expect("write");
            s.conn.send_close_notify();
            s.flush().expect("flush");
        });
        let sock = connected(port);
        let mut conn = handshake(&TlsOptions::default(), &sock).expect("handshake");
        assert_eq!(send(&mut conn, &sock, b"go"), Ok(2));
        let mut buf = [0u8; 16];
        let n = recv(&mut conn, &sock, &mut buf, true).expect("recv");
        assert_eq!(&buf[..n], b"bye", "WAITALL stops at the close");
        assert_eq!(recv(&mut conn, &sock, &mut buf, false), Ok(0));
        server.join().expect("server");
    }

    #[test]
    fn recv_timeout_over_tls_is_eagain() {
        let dir = TempDir::new("tls-timeout");
        let Some((cert, key)) = self_signed(&dir.0, "server") else {
            return;
        };
        let (hold, held) = mpsc::channel::<()>();
        let (port, server) = tls_server(&cert, &key, move |mut s| {
            let mut buf = [0u8; 16];
            let _ = s.read(&mut buf);
            let _ = held.recv();
        });
        let mut sock = connected(port);
        let mut conn = handshake(&TlsOptions::default(), &sock).expect("handshake");
        assert_eq!(send(&mut conn, &sock, b"wait"), Ok(4));
        sock.timeouts.read = 0.2;
        let mut buf = [0u8; 16];
        assert_eq!(recv(&mut conn, &sock, &mut buf, false), Err(11));
        drop(hold);
        server.join().expect("server");
    }

    #[test]
    fn handshake_with_a_server_that_does_not_speak_tls_fails() {
        let (port, server) = tcp_server(|mut t| {
            let mut buf = [0u8; 512];
            let _ = t.read(&mut buf);
            let _ = t.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        });
        let sock = connected(port);
        assert_eq!(
            handshake(&TlsOptions::default(), &sock).err(),
            Some(codes::SSL_HANDSHAKE_FAILED)
        );
        server.join().expect("server");
    }
}
