//! `Swoole\Client`'s TLS methods: enableSSL(), getPeerCert(),
//! verifyPeerCert().

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::super::args::Args;
use super::super::errors;
use super::super::zend::{self, zstr};
use super::{codes, connected, fatal_error, fatal_warning, options, put, settings_of, this, tls};

pub(super) fn c_enable_ssl(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    rv.set_bool(false);
    if args.len() > 0 {
        zend::throw(
            super::super::server::EXCEPTION.get(),
            "sync client does not support `onSslReady` callback",
            codes::INVALID_PARAMS,
        );
        return;
    }
    if let Err(fatal) = enable_ssl(ex, rv) {
        fatal_error(fatal);
    }
}

fn enable_ssl(ex: &mut ExecuteData, rv: &mut Zval) -> Result<(), String> {
    let Some((h, o)) = this(ex) else {
        return Ok(());
    };
    let Some(mut c) = connected(h, o) else {
        return Ok(());
    };
    if !c.sock.kind.is_tcp() {
        put(h, c);
        fatal_warning("cannot use enableSSL");
        return Ok(());
    }
    if c.tls.is_some() {
        put(h, c);
        fatal_warning("SSL has been enabled");
        return Ok(());
    }
    let items = settings_of(o).unwrap_or_default();
    match options::tls_options(&items) {
        Ok(t) => c.tls_opts = t,
        Err(fatal) => {
            put(h, c);
            return Err(fatal);
        }
    }
    c.ssl = true;
    let r = c.start_tls();
    put(h, c);
    match r {
        Ok(()) => rv.set_bool(true),
        Err(code) => errors::set_last_error(code),
    }
    Ok(())
}

pub(super) fn c_get_peer_cert(ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let Some(c) = connected(h, o) else {
        return;
    };
    let pem = c.tls.as_deref().map(tls::peer_cert_pem);
    put(h, c);
    match pem {
        None => fatal_warning("SSL is not ready"),
        Some(Some(pem)) => *rv = zstr(pem),
        Some(None) => {}
    }
}

pub(super) fn c_verify_peer_cert(ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let Some(c) = connected(h, o) else {
        return;
    };
    if c.tls.is_none() {
        put(h, c);
        fatal_warning("SSL is not ready");
        return;
    }
    let allow = Args::parse(ex, 0, 1).and_then(|a| a.bool_or(0, "allow_self_signed", false));
    let ok = match (allow, c.tls.as_deref()) {
        (Some(allow), Some(conn)) => tls::verify_peer(&c.tls_opts, conn, &c.sock, allow),
        _ => false,
    };
    put(h, c);
    rv.set_bool(ok);
}
