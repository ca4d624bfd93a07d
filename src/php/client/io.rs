//! `Swoole\Client`'s data methods: recv(), send(), sendfile(), sendto(),
//! shutdown().

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::super::args::Args;
use super::super::errors;
use super::super::zend::{self, zlong, zstr};
use super::socket::{Kind, Sock};
use super::state::{Client, Recv};
use super::{
    codes, connected, fatal_warning, notice_warning, put, set_err_code, strerror, sys_warning,
    take, this,
};

pub(super) fn c_recv(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 2) else {
        return;
    };
    let Some(size) = args.long_or(0, "size", 65536) else {
        return;
    };
    let Some(mut flags) = args.long_or(1, "flag", 0) else {
        return;
    };
    rv.set_bool(false);
    if flags == 1 {
        flags = i64::from(libc::MSG_WAITALL);
    }
    let Some((h, o)) = this(ex) else { return };
    let Some(mut c) = connected(h, o) else {
        return;
    };
    errors::set_last_error(0);
    let r = c.recv(size, i32::try_from(flags).unwrap_or(0));
    put(h, c);
    match r {
        Recv::Data(v) => *rv = zstr(v),
        Recv::Failed(code) => {
            sys_warning("recv() failed", code);
            set_err_code(o, code);
        }
        Recv::NoEof => notice_warning("no package eof"),
        Recv::TooLarge(length) => {
            errors::log_warning(&format!(
                "zim_swoole_client_recv() (ERRNO 1201): Package is too big. package_length={length}"
            ));
            *rv = zstr("");
        }
    }
}

pub(super) fn c_send(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(data) = args.bytes(0, "data") else {
        return;
    };
    let Some(flags) = args.long_or(1, "flag", 0) else {
        return;
    };
    rv.set_bool(false);
    if data.is_empty() {
        fatal_warning("data to send is empty");
        return;
    }
    let Some((h, o)) = this(ex) else { return };
    let Some(mut c) = connected(h, o) else {
        return;
    };
    errors::set_last_error(0);
    let fd = c.sock.fd();
    let r = c.send(&data, i32::try_from(flags).unwrap_or(0));
    put(h, c);
    match r {
        Ok(n) => rv.set_long(n as i64),
        Err(code) => {
            sys_warning(&format!("failed to send({fd}) {} bytes", data.len()), code);
            set_err_code(o, code);
        }
    }
}

pub(super) fn c_sendfile(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(file) = args.string(0, "filename") else {
        return;
    };
    let Some(offset) = args.long_or(1, "offset", 0) else {
        return;
    };
    let Some(length) = args.long_or(2, "length", 0) else {
        return;
    };
    rv.set_bool(false);
    if file.is_empty() {
        fatal_warning("file to send is empty");
        return;
    }
    let Some((h, o)) = this(ex) else { return };
    if offset < 0 || length < 0 {
        sendfile_failed(o, &file, offset, length, codes::INVALID_PARAMS);
        return;
    }
    let Some(mut c) = connected(h, o) else {
        return;
    };
    if !c.sock.kind.is_stream() {
        put(h, c);
        notice_warning("dgram socket cannot use sendfile");
        return;
    }
    errors::set_last_error(0);
    let r = c.sendfile(&file, offset, length);
    put(h, c);
    match r {
        Ok(()) => rv.set_bool(true),
        Err(code) => sendfile_failed(o, &file, offset, length, code),
    }
}

/// A refused `sendfile()`, as Swoole reports it: its log line for what
/// `check_sendfile_parameters()` refuses (a range the file does not have, a
/// file it cannot open), then the warning.
fn sendfile_failed(
    o: *mut ext_php_rs::ffi::zend_object,
    file: &str,
    offset: i64,
    length: i64,
    code: i64,
) {
    if code == codes::INVALID_PARAMS {
        errors::log_warning(&format!(
            "network::check_sendfile_parameters() (ERRNO {code}): length[{length}] or offset[{offset}] is invalid"
        ));
    } else if (1..1000).contains(&code) {
        errors::log_warning(&format!(
            "network::check_sendfile_parameters(): open('{file}') failed, Error: {}[{code}]",
            super::super::errors::os_error_text(code as i32)
        ));
    }
    // Swoole sets the error, then its warning macro overwrites it with
    // SWOOLE_ERROR_PHP_FATAL_ERROR before the text reads it: what the
    // script sees is 503, in the warning and in errCode.
    errors::set_last_error(code);
    let code = codes::PHP_FATAL_ERROR;
    fatal_warning(&format!(
        "sendfile() failed. Error: {} [{code}]",
        strerror(code)
    ));
    set_err_code(o, code);
}

pub(super) fn c_sendto(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 3, 3) else {
        return;
    };
    let Some(host) = args.string(0, "ip") else {
        return;
    };
    let Some(port) = args.long(1, "port") else {
        return;
    };
    let Some(data) = args.bytes(2, "data") else {
        return;
    };
    rv.set_bool(false);
    if data.is_empty() {
        notice_warning("data to send is empty");
        return;
    }
    let Some((h, o)) = this(ex) else { return };
    let mut c = match take(h) {
        Some(c) => c,
        None => {
            // An unconnected client sends from a socket of its own.
            let ty = zend::get_prop(o, "type")
                .and_then(|z| z.long())
                .unwrap_or(0);
            let Ok(kind) = Kind::from_type(ty) else {
                return;
            };
            if kind.is_tcp() && !(0..=65535).contains(&port) {
                fatal_warning("The port is invalid");
                errors::set_last_error(codes::INVALID_PARAMS);
                return;
            }
            let sock = match Sock::new(kind) {
                Ok(s) => s,
                Err(code) => {
                    set_err_code(o, code);
                    sys_warning("Client_create() failed", code);
                    return;
                }
            };
            zend::set_prop(o, "sock", zlong(sock.fd()));
            let mut c = Client::new(sock, false, false, format!("{host}:{port}"));
            c.active = true;
            c
        }
    };
    let r = c.send_to(&host, port, &data);
    put(h, c);
    match r {
        Ok(()) => rv.set_bool(true),
        Err(code) => {
            if code == codes::OPERATION_NOT_SUPPORT {
                errors::log_warning(
                    "Client::sendto(): only supports SWOOLE_SOCK_(UDP/UDP6/UNIX_DGRAM)",
                );
            }
            errors::set_last_error(code);
            set_err_code(o, code);
        }
    }
}

pub(super) fn c_shutdown(ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let Some(mut c) = connected(h, o) else {
        return;
    };
    let how = Args::parse(ex, 1, 1).and_then(|a| a.long(0, "how"));
    let r = how.map(|how| c.shutdown(how));
    put(h, c);
    match r {
        Some(Ok(())) => rv.set_bool(true),
        Some(Err(code)) if code != 0 => errors::set_last_error(code),
        _ => {}
    }
}
