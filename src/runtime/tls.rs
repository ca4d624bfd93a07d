//! TLS for `SWOOLE_SOCK_TCP | SWOOLE_SSL` listeners (wss:// and https://),
//! with rustls: the certificate chain and key come from the PEM files of
//! `ssl_cert_file` / `ssl_key_file`.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Builds the server configuration; the error says what is wrong with
/// which file, for the `Swoole\Exception` that `start()` throws. `h2`:
/// offer HTTP/2 by ALPN first (`open_http2_protocol`).
pub fn server_config(
    cert_file: Option<&str>,
    key_file: Option<&str>,
    h2: bool,
) -> Result<Arc<ServerConfig>, String> {
    let cert_file = cert_file.ok_or("ssl_cert_file is required for SWOOLE_SSL")?;
    let key_file = key_file.ok_or("ssl_key_file is required for SWOOLE_SSL")?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_file)
        .map_err(|e| format!("cannot read ssl_cert_file [{cert_file}]: {e}"))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("bad certificate in ssl_cert_file [{cert_file}]: {e}"))?;
    if certs.is_empty() {
        return Err(format!("no certificate in ssl_cert_file [{cert_file}]"));
    }
    let key = PrivateKeyDer::from_pem_file(key_file)
        .map_err(|e| format!("cannot read a private key from ssl_key_file [{key_file}]: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let unusable =
        |e: rustls::Error| format!("ssl_cert_file and ssl_key_file do not make a usable pair: {e}");
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .map_err(unusable)?;
    let certified = rustls::sign::CertifiedKey::new(certs, signing_key);
    match certified.keys_match() {
        Ok(()) => {}
        Err(e @ rustls::Error::InconsistentKeys(_)) => return Err(unusable(e)),
        // A certificate webpki cannot read (an X.509 v1 one, which
        // `openssl x509 -req` makes without extensions, as many tutorials
        // do): OpenSSL serves those, and so does this, once the key's
        // public half is found in it; the client decides whether it
        // trusts it.
        Err(e) => {
            let spki = certified.key.public_key();
            let holds = |der: &[u8], part: &[u8]| der.windows(part.len()).any(|w| w == part);
            match (spki, certified.end_entity_cert()) {
                (Some(spki), Ok(cert)) if !holds(cert.as_ref(), spki.as_ref()) => {
                    return Err(unusable(rustls::Error::InconsistentKeys(
                        rustls::InconsistentKeys::KeyMismatch,
                    )))
                }
                (_, Err(_)) => return Err(unusable(e)),
                _ => {}
            }
        }
    }
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
    config.alpn_protocols = if h2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_bad_files_are_clear_errors() {
        let e = server_config(None, Some("k"), false).expect_err("no cert");
        assert!(e.contains("ssl_cert_file is required"), "{e}");
        let e = server_config(
            Some("/nonexistent/cert.pem"),
            Some("/nonexistent/key.pem"),
            false,
        )
        .expect_err("missing");
        assert!(
            e.contains("cannot read ssl_cert_file [/nonexistent/cert.pem]"),
            "{e}"
        );
        let dir = std::env::temp_dir().join(format!("swoole-rs-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let junk = dir.join("junk.pem");
        std::fs::write(&junk, b"not a pem file").expect("write");
        let j = junk.to_str().expect("utf-8");
        let e = server_config(Some(j), Some(j), false).expect_err("junk");
        assert!(
            e.contains("no certificate") || e.contains("bad certificate"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
