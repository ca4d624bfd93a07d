//! `Swoole\Server`, `Swoole\Http\Server`, `Swoole\WebSocket\Server`,
//! `Swoole\Server\Port` and `Swoole\Connection\Iterator`.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use ext_php_rs::ffi::{zend_class_entry, zend_object};
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::classes::{self, m, sm, Class, ClassSlot, Default, PRIVATE, PUBLIC};
use super::errors;
use super::frame;
use super::handler::PhpHandler;
use super::push_cache;
use super::state::{self, Kind, Owner, ServerState};
use super::timer;
use super::zend::{self, zarray, zbool, zdouble, zlong, znull, zstr, CallOutcome};
use crate::protocol::frame::{opcode, MAX_CONTROL_PAYLOAD};
use crate::protocol::pack::{FLAG_COMPRESS, FLAG_FIN, FLAG_MASK};
use crate::runtime::connection::ws_status;
use crate::runtime::shared::SlotInfo;
use crate::runtime::{self, log, Connection, SendError, SettingValue};
use crate::worker::cluster;
use crate::worker::push::{self, PushError, Target};
use crate::worker::{lifecycle, process, timers};

mod connections;
mod events;
mod info;
mod iterator;
mod start;
mod tasks;

use connections::*;
use info::*;
use iterator::*;
use start::*;
use tasks::*;

pub(super) use connections::{table_get, websocket_target};
pub(in crate::php) use events::{
    event as event_object, packet as packet_object, pipe_message as pipe_message_object,
    status_info as status_info_object, task_result as task_result_object,
};
pub(super) use iterator::{live_ids, while_closing};
pub(super) use tasks::task_object;

pub static SERVER: ClassSlot = ClassSlot::new();
pub static HTTP_SERVER: ClassSlot = ClassSlot::new();
pub static WEBSOCKET_SERVER: ClassSlot = ClassSlot::new();
pub static PORT: ClassSlot = ClassSlot::new();
pub static CONN_ITERATOR: ClassSlot = ClassSlot::new();
pub static EXCEPTION: ClassSlot = ClassSlot::new();

pub const SWOOLE_BASE: i64 = 1;
pub const SWOOLE_PROCESS: i64 = 2;
pub const SWOOLE_SSL: i64 = 512;

/// True while this process runs a server worker (for log prefixes).
pub fn in_worker() -> bool {
    state::current().is_some_and(|s| s.running.get())
}

pub fn register(
    iface_iterator: *mut zend_class_entry,
    iface_countable: *mut zend_class_entry,
    iface_arrayaccess: *mut zend_class_entry,
    base_exception: *mut zend_class_entry,
) {
    let mut ex = Class::new("Swoole\\Exception");
    ex.parent = Some(base_exception);
    EXCEPTION.set(ex.register());
    register_task_class();
    events::register();

    let mut c = Class::new("Swoole\\Server");
    let mut props: Vec<(&'static str, Default, u32)> = state::EVENTS
        .iter()
        .filter(|(_, _, o)| *o == Owner::Server)
        .map(|(_, prop, _)| (*prop, Default::Null, PRIVATE))
        .collect();
    props.extend([
        ("setting", Default::Null, PUBLIC),
        ("connections", Default::Null, PUBLIC),
        ("host", Default::Str(""), PUBLIC),
        ("port", Default::Long(0), PUBLIC),
        ("type", Default::Long(0), PUBLIC),
        ("ssl", Default::Bool(false), PUBLIC),
        ("mode", Default::Long(0), PUBLIC),
        ("ports", Default::Null, PUBLIC),
        ("master_pid", Default::Long(0), PUBLIC),
        ("manager_pid", Default::Long(0), PUBLIC),
        ("worker_id", Default::Long(-1), PUBLIC),
        ("taskworker", Default::Bool(false), PUBLIC),
        ("worker_pid", Default::Long(0), PUBLIC),
        ("stats_timer", Default::Null, PUBLIC),
        ("admin_server", Default::Null, PUBLIC),
    ]);
    c.props = props;
    c.methods = vec![
        m("__construct", server_construct, "string $host = '0.0.0.0', int $port = 0, int $mode = SWOOLE_BASE, int $sock_type = SWOOLE_SOCK_TCP", ""),
        m("__destruct", server_noop, "", ""),
        m("listen", server_listen, "string $host, int $port, int $sock_type", "Swoole\\Server\\Port|false"),
        m("addlistener", server_listen, "string $host, int $port, int $sock_type", "Swoole\\Server\\Port|false"),
        m("on", server_on, "string $event_name, callable $callback", "bool"),
        m("getCallback", server_get_callback, "string $event_name", "Closure|array|string|null"),
        m("set", server_set, "array $settings", "bool"),
        m("start", server_start, "", "bool"),
        m("send", server_send, "string|int $fd, string $send_data, int $serverSocket = -1", "bool"),
        m("sendto", server_sendto, "string $ip, int $port, string $send_data, int $server_socket = -1", "bool"),
        m("sendwait", server_send, "int $conn_fd, string $send_data", "bool"),
        m("exists", server_exist, "int $fd", "bool"),
        m("exist", server_exist, "int $fd", "bool"),
        m("protect", server_protect, "int $fd, bool $is_protected = true", "bool"),
        m("sendfile", server_sendfile, "int $conn_fd, string $filename, int $offset = 0, int $length = 0", "bool"),
        m("close", server_close, "int $fd, bool $reset = false", "bool"),
        m("confirm", server_exist, "int $fd", "bool"),
        m("pause", server_pause, "int $fd", "bool"),
        m("resume", server_resume, "int $fd", "bool"),
        m("task", server_task, "mixed $data, int $taskWorkerIndex = -1, ?callable $finishCallback = NULL", "int|false"),
        m("taskwait", server_taskwait, "mixed $data, float $timeout = 0.5, int $taskWorkerIndex = -1", "mixed"),
        m("taskWaitMulti", server_task_wait_multi, "array $tasks, float $timeout = 0.5", "array|false"),
        m("taskCo", server_task_co, "array $tasks, float $timeout = 0.5", "array|false"),
        m("finish", server_finish, "mixed $data", "bool"),
        m("reload", server_reload, "bool $only_reload_taskworker = false", "bool"),
        m("shutdown", server_shutdown, "", "bool"),
        m("stop", server_stop, "int $workerId = -1", "bool"),
        m("getLastError", server_get_last_error, "", "int"),
        m("heartbeat", server_heartbeat, "bool $ifCloseConnection = true", "array|false"),
        m("getClientInfo", server_connection_info, "int $fd, int $reactor_id = -1, bool $ignoreError = false", "array|false"),
        m("getClientList", server_connection_list, "int $start_fd = 0, int $find_count = 10", "array|false"),
        m("getWorkerId", server_get_worker_id, "", "int|false"),
        m("getWorkerPid", server_get_worker_pid, "int $worker_id = -1", "int|false"),
        m("getWorkerStatus", server_get_worker_status, "int $worker_id = -1", "int|false"),
        m("getManagerPid", server_get_manager_pid, "", "int"),
        m("getMasterPid", server_get_master_pid, "", "int"),
        m("connection_info", server_connection_info, "int $fd, int $reactor_id = -1, bool $ignoreError = false", "array|false"),
        m("connection_list", server_connection_list, "int $start_fd = 0, int $find_count = 10", "array|false"),
        m("sendMessage", server_send_message, "mixed $message, int $dst_worker_id", "bool"),
        m("command", server_unsupported, "string $name, int $process_id, int $process_type, mixed $data, bool $json_decode = true", "array|string|false"),
        m("addCommand", server_unsupported, "string $name, int $accepted_process_types, callable $callback", "bool"),
        m("addProcess", server_add_process, "Swoole\\Process $process", "int|false"),
        m("stats", server_stats, "", "array"),
        m("bind", server_bind, "int $fd, int $uid", "bool"),
        // Swoole 4 forms that tutorials still use (dropped in Swoole 6).
        m("defer", timer::event_defer, "callable $callback", "bool"),
        m("tick", timer::timer_tick, "int $ms, callable $callback, mixed ...$params", "int|false"),
        m("after", timer::timer_after, "int $ms, callable $callback, mixed ...$params", "int|false"),
        m("clearTimer", timer::timer_clear, "int $timer_id", "bool"),
    ];
    let server = c.register();
    SERVER.set(server);

    let mut c = Class::new("Swoole\\Http\\Server");
    c.parent = Some(server);
    let http = c.register();
    HTTP_SERVER.set(http);

    let mut c = Class::new("Swoole\\WebSocket\\Server");
    c.parent = Some(http);
    c.methods = vec![
        m("push", ws_push, "int $fd, Swoole\\WebSocket\\Frame|string $data, int $opcode = WEBSOCKET_OPCODE_TEXT, int $flags = SWOOLE_WEBSOCKET_FLAG_FIN", "bool"),
        // swoole-rs: one call, one framing, every connection.
        m("broadcast", ws_broadcast, "string $data, int $opcode = WEBSOCKET_OPCODE_TEXT, array $exclude = []", "bool"),
        m("join", super::rooms::ws_join, "int $fd, string $room", "bool"),
        m("leave", super::rooms::ws_leave, "int $fd, string $room", "bool"),
        m("publish", super::rooms::ws_publish, "string $room, string $data, int $opcode = WEBSOCKET_OPCODE_TEXT", "bool"),
        m("rooms", super::rooms::ws_rooms, "int $fd", "array|false"),
        m("members", super::rooms::ws_members, "string $room", "array|false"),
        m("disconnect", ws_disconnect, "int $fd, int $code = SWOOLE_WEBSOCKET_CLOSE_NORMAL, string $reason = ''", "bool"),
        m("ping", ws_ping, "int $fd, string $data = ''", "bool"),
        m("isEstablished", ws_is_established, "int $fd", "bool"),
        sm("pack", frame::frame_pack, "Swoole\\WebSocket\\Frame|string $data, int $opcode = WEBSOCKET_OPCODE_TEXT, int $flags = SWOOLE_WEBSOCKET_FLAG_FIN", "string"),
        sm("unpack", frame::frame_unpack, "string $data", "Swoole\\WebSocket\\Frame"),
    ];
    WEBSOCKET_SERVER.set(c.register());

    let mut c = Class::new("Swoole\\Server\\Port");
    let mut props: Vec<(&'static str, Default, u32)> = state::EVENTS
        .iter()
        .filter(|(_, _, o)| *o == Owner::Port)
        .map(|(_, prop, _)| (*prop, Default::Null, PRIVATE))
        .collect();
    props.extend([
        ("host", Default::Null, PUBLIC),
        ("port", Default::Long(0), PUBLIC),
        ("type", Default::Long(0), PUBLIC),
        ("sock", Default::Long(-1), PUBLIC),
        ("ssl", Default::Bool(false), PUBLIC),
        ("setting", Default::Null, PUBLIC),
        ("connections", Default::Null, PUBLIC),
    ]);
    c.props = props;
    c.methods = vec![
        classes::Method {
            flags: PRIVATE,
            ..m("__construct", server_noop, "", "")
        },
        m("__destruct", server_noop, "", ""),
        m("set", port_set, "array $settings", "void"),
        m(
            "on",
            port_on,
            "string $event_name, callable $callback",
            "bool",
        ),
        m(
            "getCallback",
            port_get_callback,
            "string $event_name",
            "?Closure",
        ),
    ];
    PORT.set(c.register());

    let mut c = Class::new("Swoole\\Connection\\Iterator");
    c.interfaces = vec![iface_iterator, iface_countable, iface_arrayaccess];
    c.methods = vec![
        m("rewind", iter_rewind, "", "void"),
        m("next", iter_next, "", "void"),
        m("current", iter_current, "", "mixed"),
        m("key", iter_key, "", "mixed"),
        m("valid", iter_valid, "", "bool"),
        m("count", iter_count, "", "int"),
        m("offsetExists", iter_offset_exists, "mixed $fd", "bool"),
        m("offsetGet", iter_offset_get, "mixed $fd", "mixed"),
        m(
            "offsetSet",
            iter_offset_set,
            "mixed $fd, mixed $value",
            "void",
        ),
        m("offsetUnset", iter_offset_unset, "mixed $fd", "void"),
    ];
    CONN_ITERATOR.set(c.register());
    // foreach runs natively, not through the Iterator methods above.
    super::conn_iterator::install(CONN_ITERATOR.get());
}

fn this(ex: &mut ExecuteData) -> Option<*mut zend_object> {
    ex.get_self().map(|o| o as *mut zend_object)
}

fn throw_swoole(msg: &str, code: i64) {
    zend::throw(EXCEPTION.get(), msg, code);
}

/// The running server's runtime, or the "server is not running" warning.
pub(super) fn running_runtime() -> Option<(Rc<ServerState>, Rc<runtime::Server>)> {
    let st = state::current();
    match st
        .as_ref()
        .and_then(|s| s.runtime().map(|r| (s.clone(), r)))
    {
        Some(pair) if pair.0.running.get() => Some(pair),
        _ => {
            zend::warning_docref("server is not running");
            errors::set_last_error(errors::SERVER_NOT_RUNNING);
            None
        }
    }
}

fn server_noop(_ex: &mut ExecuteData, _rv: &mut Zval) {}

fn server_unsupported(ex: &mut ExecuteData, rv: &mut Zval) {
    let name = super::args::function_name(ex);
    zend::error(
        zend::E_WARNING,
        &format!(
            "{name}(): not supported by swoole-rs yet (see the compatibility table in its README)"
        ),
    );
    rv.set_bool(false);
}

/// `addProcess(Swoole\Process $process)`: a process started with the
/// server (after its workers), respawned when it ends, stopped with it.
/// Its index among the added processes; `$process->id` becomes its worker
/// id once it runs.
fn server_add_process(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    rv.set_bool(false);
    let Some(st) = state_for(ex) else { return };
    if st.running.get() {
        zend::warning_docref("server is running, cannot add process");
        return;
    }
    let Some(process) = args.get(0) else { return };
    let is_process =
        zend::obj_ptr(process).is_some_and(|o| zend::instance_of(o, super::process::PROCESS.get()));
    if !is_process {
        zend::fatal_docref("object is not instanceof swoole_process");
        return;
    }
    let index = {
        let mut list = st.user_processes.borrow_mut();
        list.push(zend::zcopy(process));
        list.len() as i64 - 1
    };
    if let Some(o) = zend::obj_ptr(process) {
        zend::set_prop(o, "id", zlong(index));
    }
    rv.set_long(index);
}

fn server_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 4) else {
        return;
    };
    let Some(host) = (if args.len() > 0 {
        args.string(0, "host")
    } else {
        Some("0.0.0.0".into())
    }) else {
        return;
    };
    let Some(port) = args.long_or(1, "port", 0) else {
        return;
    };
    let Some(mode) = args.long_or(2, "mode", SWOOLE_BASE) else {
        return;
    };
    let Some(sock_type) = args.long_or(3, "sock_type", runtime::port::sock_type::TCP) else {
        return;
    };
    let Some(obj) = this(ex) else { return };
    // SAFETY: obj is $this, alive for the call.
    let class_name = unsafe { &*obj }.get_class_name().unwrap_or_default();

    if state::current().is_some_and(|s| s.running.get()) {
        throw_swoole(
            &format!("server is running. unable to create {class_name}"),
            -3,
        );
        return;
    }
    if !(0..=65535).contains(&port) {
        zend::throw_value_error(&format!(
            "{class_name}::__construct(): Argument #2 ($port) must be between 0 and 65535"
        ));
        return;
    }
    let kind = if zend::instance_of(obj, WEBSOCKET_SERVER.get()) {
        Kind::WebSocket
    } else if zend::instance_of(obj, HTTP_SERVER.get()) {
        Kind::Http
    } else {
        Kind::Tcp
    };
    let listener = match bind_port(&host, port, sock_type) {
        Ok(l) => l,
        Err((msg, errno)) => {
            throw_swoole(&msg, errno);
            return;
        }
    };
    let st = Rc::new(ServerState::new(obj, kind, mode));
    zend::set_prop(obj, "host", zstr(&host));
    zend::set_prop(obj, "type", zlong(sock_type));
    zend::set_prop(obj, "mode", zlong(mode));
    zend::set_prop(obj, "ssl", zbool(sock_type & SWOOLE_SSL != 0));
    let port_z = add_port(&st, &host, sock_type, listener);
    if let Some(po) = zend::obj_ptr(&port_z) {
        zend::set_prop(
            obj,
            "port",
            zend::zcopy(zend::get_prop(po, "port").unwrap_or(&zlong(0))),
        );
    }
    // Every port's connections; each port's own are `$port->connections`.
    zend::set_prop(obj, "connections", zend::new_object(CONN_ITERATOR.get()));
    state::set_current(Some(st));
}

/// Binds a port of `sock_type` (TCP, UDP, their IPv6 forms, unix stream
/// or datagram; SSL for the stream ones); the error is Swoole's text and
/// errno.
fn bind_port(
    host: &str,
    port: i64,
    sock_type: i64,
) -> Result<runtime::port::Socket, (String, i64)> {
    if !(1..=6).contains(&(sock_type & 0xff)) {
        return Err((format!("unknown socket type [{sock_type}]"), 22));
    }
    runtime::port::bind(host, port as u16, sock_type, 512).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(0);
        let text = errors::os_error_text(errno);
        let errno = i64::from(errno);
        (
            format!("failed to listen server port[{host}:{port}], Error: {text}[{errno}]"),
            errno,
        )
    })
}

/// Makes the `Swoole\Server\Port` object of a bound socket, appends it
/// to `$server->ports` and the server's port list; returns it.
fn add_port(st: &ServerState, host: &str, sock_type: i64, listener: runtime::port::Socket) -> Zval {
    let bound_port = listener.local_port();
    let sock = listener.fd();
    let port_z = zend::new_object(PORT.get());
    let Some(po) = zend::obj_ptr(&port_z) else {
        return port_z;
    };
    zend::set_prop(po, "host", zstr(host));
    zend::set_prop(po, "port", zlong(i64::from(bound_port)));
    zend::set_prop(po, "type", zlong(sock_type));
    zend::set_prop(po, "sock", zlong(i64::from(sock)));
    zend::set_prop(po, "ssl", zbool(sock_type & SWOOLE_SSL != 0));
    let it = zend::new_object(CONN_ITERATOR.get());
    if let Some(io) = zend::obj_ptr(&it) {
        // SAFETY: a live object just made.
        iterator::scope_to_port(unsafe { (*io).handle }, sock);
    }
    zend::set_prop(po, "connections", it);
    st.ports
        .borrow_mut()
        .push(state::PortState::new(po, sock_type, listener));
    let mut ports = match zend::get_prop(st.obj, "ports").and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    };
    let _ = ports.push(zend::zcopy(&port_z));
    zend::set_prop(st.obj, "ports", zarray(ports));
    port_z
}

fn server_listen(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 3, 3) else {
        return;
    };
    let (Some(host), Some(port), Some(sock_type)) = (
        args.string(0, "host"),
        args.long(1, "port"),
        args.long(2, "sock_type"),
    ) else {
        return;
    };
    let Some(st) = state_for(ex) else {
        rv.set_bool(false);
        return;
    };
    if st.running.get() {
        zend::warning_docref("server is running, cannot add listener");
        rv.set_bool(false);
        return;
    }
    if !(0..=65535).contains(&port) {
        zend::warning_docref(&format!("invalid port [{port}]"));
        rv.set_bool(false);
        return;
    }
    match bind_port(&host, port, sock_type) {
        Ok(listener) => *rv = add_port(&st, &host, sock_type, listener),
        Err((msg, errno)) => {
            // Swoole's listen() says nothing when the OS refuses the
            // address (false, and the errno in swoole_last_error()).
            if !msg.starts_with("failed to listen") {
                zend::warning_docref(&msg);
            }
            errors::set_last_error(errno);
            rv.set_bool(false);
        }
    }
}

/// The state of the server `$this` is (the current one).
fn state_for(ex: &mut ExecuteData) -> Option<Rc<ServerState>> {
    let obj = this(ex)?;
    state::current().filter(|s| std::ptr::eq(s.obj, obj))
}

/// `on()` of the server (`port` None: port events go to the main port)
/// or of a port.
fn register_callback(
    st: Option<Rc<ServerState>>,
    port: Option<*mut zend_object>,
    args: &Args,
    rv: &mut Zval,
) {
    let Some(name) = args.string(0, "event_name") else {
        return;
    };
    let Some(cb) = args.get(1) else { return };
    let Some((prop, owner)) = state::event(&name) else {
        zend::error(
            zend::E_WARNING,
            &format!("Swoole\\Server\\Port::on(): unknown event types[{name}]"),
        );
        rv.set_bool(false);
        return;
    };
    if zend::Callback::new(cb).is_none() {
        let shown = zend::str_bytes(cb)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_else(|| super::args::type_name(cb));
        zend::error(
            zend::E_WARNING,
            &format!("Swoole\\Server\\Port::on(): function '{shown}' is not callable"),
        );
        rv.set_bool(false);
        return;
    }
    let Some(st) = st else {
        rv.set_bool(false);
        return;
    };
    st.store_callback(prop, owner, port, zend::zcopy(cb));
    rv.set_bool(true);
}

fn server_on(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let st = state_for(ex);
    if st.as_ref().is_some_and(|s| s.running.get()) {
        // As Swoole: the callbacks are fixed once the server started.
        errors::set_last_error(errors::PHP_FATAL_ERROR);
        zend::warning_docref("server is running, unable to register event callback function");
        rv.set_bool(false);
        return;
    }
    register_callback(st, None, &args, rv);
}

fn port_on(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let Some(obj) = this(ex) else { return };
    let st = state::current().filter(|s| s.is_port(obj));
    register_callback(st, Some(obj), &args, rv);
}

fn get_callback(
    st: Option<Rc<ServerState>>,
    port: Option<*mut zend_object>,
    args: &Args,
    rv: &mut Zval,
) {
    let Some(name) = args.string(0, "event_name") else {
        return;
    };
    let value = state::event(&name)
        .and_then(|(prop, owner)| st.and_then(|s| s.callback_value(prop, owner, port)));
    *rv = value.unwrap_or_else(znull);
}

fn server_get_callback(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let st = state_for(ex);
    get_callback(st, None, &args, rv);
}

fn port_get_callback(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let port = this(ex);
    let st = state::current().filter(|s| port.is_some_and(|p| s.is_port(p)));
    get_callback(st, port, &args, rv);
}

/// A PHP value as a typed setting value.
pub(super) fn setting_value(z: &Zval) -> SettingValue {
    let z = z.dereference();
    if let Some(b) = z.bool() {
        SettingValue::Bool(b)
    } else if let Some(i) = z.long() {
        SettingValue::Int(i)
    } else if let Some(d) = z.double() {
        SettingValue::Float(d)
    } else if let Some(s) = zend::str_bytes(z) {
        SettingValue::Str(String::from_utf8_lossy(s).into_owned())
    } else if let Some(a) = z.array() {
        if a.iter()
            .any(|(k, _)| !matches!(k, ext_php_rs::types::ArrayKey::Long(_)))
        {
            SettingValue::Map(
                a.iter()
                    .map(|(k, v)| (k.to_string(), setting_value(v)))
                    .collect(),
            )
        } else {
            SettingValue::List(a.values().filter_map(|v| v.coerce_to_string()).collect())
        }
    } else {
        SettingValue::Other
    }
}

/// Merges `settings` into the `setting` property of `obj` and applies them
/// to `typed`. False after Swoole's fatal error for a refused value.
fn apply_settings(
    typed: &mut runtime::Settings,
    obj: *mut zend_object,
    settings: &ZendHashTable,
) -> bool {
    let mut merged = match zend::get_prop(obj, "setting").and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    };
    for (key, value) in settings.iter() {
        let k = key.to_string();
        let v = if k == "package_length_func" {
            // Kept in `setting` (where PHP's GC sees it); the typed
            // settings only need to know it is there.
            SettingValue::Bool(zend::Callback::new(value).is_some())
        } else {
            setting_value(value)
        };
        if let Some(why) = runtime::settings::refused(&k, &v) {
            zend::set_prop(obj, "setting", zarray(merged));
            fatal(why);
            return false;
        }
        typed.apply(&k, &v);
        zend::ht_set(&mut merged, &k, zend::zcopy(value));
    }
    zend::set_prop(obj, "setting", zarray(merged));
    true
}

/// Swoole's checks when an SSL port is set (`Swoole\Server\Port::set()`,
/// which `$server->set()` runs for the main port): an `ssl_cert_file` or
/// `ssl_key_file` given must be readable (its log line, then a fatal
/// error), and the port's settings, with these, must name both (else the
/// log line of its failed TLS context and "ssl_init() failed").
fn check_ssl_files(settings: &ZendHashTable, before: Option<&ZendHashTable>) {
    let given = |key: &str| {
        settings
            .get(key)
            .or_else(|| before.and_then(|b| b.get(key)))
            .and_then(|z| z.coerce_to_string())
    };
    for (key, what, func) in [
        ("ssl_cert_file", "cert", "set_cert_file"),
        ("ssl_key_file", "key", "set_key_file"),
    ] {
        let Some(path) = settings.get(key).and_then(|z| z.coerce_to_string()) else {
            continue;
        };
        if std::fs::File::open(&path).is_err() {
            let msg = format!("ssl {what} file[{path}] not found");
            crate::runtime::log::write(
                crate::runtime::log::Level::Warning,
                false,
                &format!("SSLContext::{func}(): {msg}"),
            );
            port_set_fatal(&msg);
            return;
        }
    }
    if given("ssl_cert_file").is_none() || given("ssl_key_file").is_none() {
        crate::runtime::log::write(
            crate::runtime::log::Level::Error,
            false,
            "ListenPort::ssl_context_create() (ERRNO 509): require `ssl_cert_file` and `ssl_key_file` options",
        );
        port_set_fatal("ssl_init() failed");
    }
}

/// A fatal error worded as Swoole's `Swoole\Server\Port::set()` words it
/// (whichever `set()` the script called); the engine jumps out of this call.
fn port_set_fatal(msg: &str) {
    errors::set_last_error(errors::PHP_FATAL_ERROR);
    zend::fatal_error_raw(&format!("Swoole\\Server\\Port::set(): {msg}"));
}

fn server_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(arr) = args.array(0, "settings") else {
        return;
    };
    let Some(st) = state_for(ex) else {
        rv.set_bool(false);
        return;
    };
    if st.running.get() {
        // SAFETY: obj is $this.
        let class = unsafe { &*st.obj }.get_class_name().unwrap_or_default();
        zend::warning_docref(&format!(
            "server is running, unable to execute {class}->set"
        ));
        rv.set_bool(false);
        return;
    }
    if st.ports.borrow().first().is_some_and(|p| p.ssl()) {
        let before = zend::get_prop(st.obj, "setting").and_then(|z| z.array());
        check_ssl_files(arr, before);
    }
    let mut typed = st.settings.borrow().clone();
    if apply_settings(&mut typed, st.obj, arr) {
        if arr.get("document_root").is_some() {
            check_document_root(&typed);
        }
        check_send_yield(&mut typed, arr.get("send_yield").is_some());
        *st.settings.borrow_mut() = typed;
        // Swoole turns the hooks on for the workers it starts; ours fork
        // from this process and inherit them.
        if let Some(flags) = arr.get("hook_flags").and_then(|z| z.long()) {
            crate::php::hooks::set_flags(flags);
        }
        rv.set_bool(true);
    }
}

/// `send_yield` as Swoole's `set()` takes it: each `set()` without it
/// makes it follow `enable_coroutine` again; set on, it needs a dispatch
/// mode that keeps a connection on one worker (2 or 4), else Swoole's
/// warning turns it off.
fn check_send_yield(settings: &mut runtime::Settings, given: bool) {
    if !given {
        settings.send_yield = None;
    } else if settings.send_yield == Some(true) && !matches!(settings.dispatch_mode, 2 | 4) {
        zend::warning_docref("'send_yield' option can only be set when using dispatch_mode=2/4");
        settings.send_yield = Some(false);
    }
}

/// Swoole checks `document_root` when it is set and logs (a log line, not
/// a PHP warning) when the directory is not there; the log is the one the
/// same settings name.
fn check_document_root(settings: &runtime::Settings) {
    let Some(root) = settings.document_root.as_deref() else {
        return;
    };
    if std::path::Path::new(root).exists() {
        return;
    }
    crate::runtime::log::configure(settings.log_level, settings.log_file.as_deref());
    crate::runtime::log::write(
        crate::runtime::log::Level::Warning,
        false,
        &format!("Server::set_document_root() (ERRNO 703): document_root[{root}] does not exist"),
    );
}

fn port_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(arr) = args.array(0, "settings") else {
        return;
    };
    let Some(obj) = this(ex) else { return };
    let Some(st) = state::current().filter(|s| s.is_port(obj)) else {
        rv.set_null();
        return;
    };
    // The main port's settings are the server's; another port's start
    // from a clean slate (no protocol) on its first set().
    let main = st
        .ports
        .borrow()
        .first()
        .is_some_and(|p| std::ptr::eq(p.obj, obj));
    let ssl = st
        .ports
        .borrow()
        .iter()
        .any(|p| std::ptr::eq(p.obj, obj) && p.ssl());
    if ssl {
        // The main port's settings are the server's `setting`.
        let owner = if main { st.obj } else { obj };
        let before = zend::get_prop(owner, "setting").and_then(|z| z.array());
        check_ssl_files(arr, before);
    }
    let mut typed = if main {
        st.settings.borrow().clone()
    } else {
        st.ports
            .borrow()
            .iter()
            .find(|p| std::ptr::eq(p.obj, obj))
            .and_then(|p| p.settings.clone())
            .unwrap_or_else(runtime::Settings::plain_port)
    };
    if apply_settings(&mut typed, obj, arr) {
        if main {
            *st.settings.borrow_mut() = typed;
        } else if let Some(p) = st
            .ports
            .borrow_mut()
            .iter_mut()
            .find(|p| std::ptr::eq(p.obj, obj))
        {
            p.settings = Some(typed);
        }
    }
    rv.set_null();
}

/// Websocket status values exposed for the handler module.
pub fn is_upgraded(conn: &Connection) -> bool {
    matches!(conn.ws_status(), ws_status::ACTIVE | ws_status::CLOSING)
}
