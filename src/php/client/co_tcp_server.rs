//! `Swoole\Coroutine\Server` (`Co\Server`) and its
//! `Swoole\Coroutine\Server\Connection`: a TCP (or unix) server in a
//! coroutine, as Swoole's library class is. `start()` accepts in the
//! calling coroutine and runs the handler in a coroutine per connection
//! with a `Connection` over the accepted `Coroutine\Socket`; the
//! server's settings (`set()`) are each connection's protocol
//! (`open_length_check`, `open_eof_check`, ...) for `recv()`.

use std::cell::RefCell;
use std::collections::HashMap;

use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::super::args::Args;
use super::super::classes::{m, Class, ClassSlot, Default, PUBLIC};
use super::super::coroutine::{self, io};
use super::super::zend::{self, zarray, zlong, zstr, Callback};
use super::co_socket;
use super::conn::{accept_loop, ListenArgs, SharedConn};
use crate::runtime::client::socket::{Event, Kind};

pub static CO_SERVER: ClassSlot = ClassSlot::new();
pub static CONNECTION: ClassSlot = ClassSlot::new();

struct TcpServer {
    listener: SharedConn,
    fd: i32,
    handler: Option<Callback>,
    running: bool,
}

thread_local! {
    static SERVERS: RefCell<HashMap<u32, TcpServer>> = RefCell::new(HashMap::new());
}

pub fn register() {
    let mut c = Class::new("Swoole\\Coroutine\\Server");
    c.props = vec![
        ("host", Default::Str(""), PUBLIC),
        ("port", Default::Long(0), PUBLIC),
        ("type", Default::Long(i64::from(libc::AF_INET)), PUBLIC),
        ("fd", Default::Long(-1), PUBLIC),
        ("errCode", Default::Long(0), PUBLIC),
        ("setting", Default::Null, PUBLIC),
    ];
    c.methods = vec![
        m(
            "__construct",
            ts_construct,
            "string $host, int $port = 0, bool $ssl = false, bool $reuse_port = false",
            "",
        ),
        m("__destruct", ts_destruct, "", ""),
        m("set", ts_set, "array $setting", "void"),
        m("handle", ts_handle, "callable $fn", "void"),
        m("shutdown", ts_shutdown, "", "bool"),
        m("start", ts_start, "", "bool"),
    ];
    CO_SERVER.set(c.register());
    super::super::classes::alias("Co\\Server", CO_SERVER.get());

    let mut k = Class::new("Swoole\\Coroutine\\Server\\Connection");
    k.props = vec![("socket", Default::Null, 2 /* ZEND_ACC_PROTECTED */)];
    k.methods = vec![
        m(
            "__construct",
            cn_construct,
            "Swoole\\Coroutine\\Socket $conn",
            "",
        ),
        m("recv", cn_recv, "float $timeout = 0", ""),
        m("send", cn_send, "string $data", ""),
        m("close", cn_close, "", "bool"),
        m(
            "exportSocket",
            cn_export_socket,
            "",
            "Swoole\\Coroutine\\Socket",
        ),
    ];
    CONNECTION.set(k.register());
}

pub fn request_shutdown() {
    let all = SERVERS.with(|s| std::mem::take(&mut *s.borrow_mut()));
    drop(all);
}

fn ts_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = ListenArgs::parse(ex) else {
        return;
    };
    let Some((h, o)) = zend::this_object(ex) else {
        return;
    };
    let host = args.host.clone();
    let (kind, family, addr) = if host.contains("::") {
        (Kind::Tcp6, libc::AF_INET6, host)
    } else if let Some(path) = host.strip_prefix("unix:").filter(|p| p.starts_with('/')) {
        (Kind::UnixStream, libc::AF_UNIX, path.to_string())
    } else {
        (Kind::Tcp, libc::AF_INET, host)
    };
    zend::set_prop(o, "type", zlong(i64::from(family)));
    zend::set_prop(o, "host", zstr(addr.as_str()));
    let listener = match args.listen(kind, &addr) {
        Ok(l) => l,
        Err((msg, code)) => {
            zend::throw(super::super::server::EXCEPTION.get(), &msg, code);
            return;
        }
    };
    let (bound, fd) = match listener.client() {
        Ok(c) => (
            c.sock.local_name().map_or(0, |(p, _)| p),
            c.sock.fd() as i32,
        ),
        Err(_) => (0, -1),
    };
    zend::set_prop(o, "port", zlong(bound));
    zend::set_prop(o, "fd", zlong(i64::from(fd)));
    let mut setting = ZendHashTable::new();
    zend::ht_set(&mut setting, "open_ssl", zend::zbool(args.ssl));
    zend::set_prop(o, "setting", zarray(setting));
    let server = TcpServer {
        listener,
        fd,
        handler: None,
        running: false,
    };
    SERVERS.with(|s| s.borrow_mut().insert(h, server));
}

fn ts_destruct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some((h, _)) = zend::this_object(ex) else {
        return;
    };
    let gone = SERVERS.with(|s| s.borrow_mut().remove(&h));
    drop(gone);
}

fn ts_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(setting) = args.array(0, "setting") else {
        return;
    };
    let Some((_, o)) = zend::this_object(ex) else {
        return;
    };
    let mut merged = match zend::get_prop(o, "setting").and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    };
    for (k, v) in setting.iter() {
        let _ = merged.insert(k.to_string().as_str(), zend::zcopy(v));
    }
    zend::set_prop(o, "setting", zarray(merged));
    rv.set_null();
}

fn ts_handle(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(cb) = args.get(0).and_then(Callback::new) else {
        zend::throw_type_error(
            "Swoole\\Coroutine\\Server::handle(): Argument #1 ($fn) must be of type callable",
        );
        return;
    };
    let Some((h, _)) = zend::this_object(ex) else {
        return;
    };
    SERVERS.with(|s| {
        if let Some(s) = s.borrow_mut().get_mut(&h) {
            s.handler = Some(cb);
        }
    });
    rv.set_null();
}

/// `shutdown()`: stops accepting (the accept wait is canceled).
fn ts_shutdown(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = zend::this_object(ex) else {
        return;
    };
    let fd = SERVERS.with(|s| {
        s.borrow_mut().get_mut(&h).map(|s| {
            s.running = false;
            s.fd
        })
    });
    rv.set_bool(fd.is_some_and(|fd| io::cancel_fd(fd, Event::Read)));
}

/// SOCKET_EINVAL.
const EINVAL: i64 = libc::EINVAL as i64;

fn ts_start(ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(false);
    let Some((h, o)) = zend::this_object(ex) else {
        return;
    };
    if coroutine::current() < 0 {
        coroutine::throw_out_of_coroutine();
        return;
    }
    let Some((listener, handler)) = SERVERS.with(|s| {
        s.borrow_mut().get_mut(&h).map(|s| {
            s.running = true;
            (s.listener.clone(), s.handler.clone())
        })
    }) else {
        return;
    };
    let Some(handler) = handler else {
        zend::set_prop(o, "errCode", zlong(EINVAL));
        return;
    };
    let setting = zend::get_prop(o, "setting")
        .map(zend::zcopy)
        .unwrap_or_else(|| zarray(ZendHashTable::new()));
    let running = || SERVERS.with(|s| s.borrow().get(&h).is_some_and(|s| s.running));
    let failed = accept_loop(&listener, running, |conn| {
        let socket = co_socket::object_for(conn);
        if let Some(set_protocol) = zend::method(&socket, "setProtocol") {
            set_protocol.call(&mut [zend::zcopy(&setting)]);
        }
        let connection = zend::new_object(CONNECTION.get());
        if let Some(c) = zend::obj_ptr(&connection) {
            zend::set_prop_scoped(CONNECTION.get(), c, "socket", socket);
        }
        coroutine::spawn_callback(handler.clone(), vec![connection], None);
    });
    if let Some(code) = failed {
        zend::set_prop(o, "errCode", zlong(code));
        zend::error(
            512, // E_USER_WARNING
            &format!(
                "accept failed, Error: {}[{code}]",
                super::super::errors::os_error_text(code as i32)
            ),
        );
    }
    rv.set_bool(true);
}

// ---- Connection -----------------------------------------------------------------

fn socket_of(ex: &mut ExecuteData) -> Option<Zval> {
    let (_, o) = zend::this_object(ex)?;
    zend::get_prop_scoped(CONNECTION.get(), o, "socket").map(zend::zcopy)
}

fn cn_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(conn) = args
        .get(0)
        .filter(|z| zend::obj_ptr(z).is_some_and(|o| zend::instance_of(o, co_socket::SOCKET.get())))
        .map(zend::zcopy)
    else {
        zend::throw_type_error(
            "Swoole\\Coroutine\\Server\\Connection::__construct(): Argument #1 ($conn) must be of type Swoole\\Coroutine\\Socket",
        );
        return;
    };
    if let Some((_, o)) = zend::this_object(ex) {
        zend::set_prop_scoped(CONNECTION.get(), o, "socket", conn);
    }
}

/// Calls `$this->socket->name(...args)` and returns what it returned.
fn forward(ex: &mut ExecuteData, rv: &mut Zval, name: &str, args: Vec<Zval>) {
    rv.set_bool(false);
    let Some(socket) = socket_of(ex) else { return };
    let Some(cb) = zend::method(&socket, name) else {
        return;
    };
    let mut args = args;
    cb.call_with(&mut args, |r| *rv = zend::zcopy(r));
}

fn cn_recv(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let timeout = args.float_or(0, 0.0);
    forward(ex, rv, "recvPacket", vec![zend::zdouble(timeout)]);
}

fn cn_send(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(data) = args.bytes(0, "data") else {
        return;
    };
    forward(ex, rv, "sendAll", vec![zstr(data)]);
}

fn cn_close(ex: &mut ExecuteData, rv: &mut Zval) {
    forward(ex, rv, "close", Vec::new());
}

fn cn_export_socket(ex: &mut ExecuteData, rv: &mut Zval) {
    match socket_of(ex) {
        Some(s) => *rv = s,
        None => rv.set_null(),
    }
}
