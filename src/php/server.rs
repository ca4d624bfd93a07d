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
use crate::protocol::frame::opcode;
use crate::protocol::pack::{FLAG_COMPRESS, FLAG_FIN, FLAG_MASK};
use crate::runtime::connection::ws_status;
use crate::runtime::shared::SlotInfo;
use crate::runtime::{self, log, Connection, SendError, SettingValue};
use crate::worker::cluster;
use crate::worker::push::{self, PushError, PushFrame, Target};
use crate::worker::{lifecycle, process, timers};

pub static SERVER: ClassSlot = ClassSlot::new();
pub static HTTP_SERVER: ClassSlot = ClassSlot::new();
pub static WEBSOCKET_SERVER: ClassSlot = ClassSlot::new();
pub static PORT: ClassSlot = ClassSlot::new();
pub static CONN_ITERATOR: ClassSlot = ClassSlot::new();
pub static EXCEPTION: ClassSlot = ClassSlot::new();

pub const SWOOLE_BASE: i64 = 1;
pub const SWOOLE_PROCESS: i64 = 2;
pub const SWOOLE_SOCK_TCP: i64 = 1;
pub const SWOOLE_SOCK_TCP6: i64 = 3;
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
        m("sendto", server_unsupported, "string $ip, int $port, string $send_data, int $server_socket = -1", "bool"),
        m("sendwait", server_send, "int $conn_fd, string $send_data", "bool"),
        m("exists", server_exist, "int $fd", "bool"),
        m("exist", server_exist, "int $fd", "bool"),
        m("protect", server_protect, "int $fd, bool $is_protected = true", "bool"),
        m("sendfile", server_sendfile, "int $conn_fd, string $filename, int $offset = 0, int $length = 0", "bool"),
        m("close", server_close, "int $fd, bool $reset = false", "bool"),
        m("confirm", server_exist, "int $fd", "bool"),
        m("pause", server_unsupported, "int $fd", "bool"),
        m("resume", server_unsupported, "int $fd", "bool"),
        m("task", server_task, "mixed $data, int $taskWorkerIndex = -1, ?callable $finishCallback = NULL", "int|false"),
        m("taskwait", server_taskwait, "mixed $data, float $timeout = 0.5, int $taskWorkerIndex = -1", "mixed"),
        m("taskWaitMulti", server_task_wait_multi, "array $tasks, float $timeout = 0.5", "array|false"),
        m("taskCo", server_unsupported, "array $tasks, float $timeout = 0.5", "array|false"),
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
        m("addProcess", server_unsupported, "Swoole\\Process $process", "int|false"),
        m("stats", server_stats, "", "array"),
        m("bind", server_unsupported, "int $fd, int $uid", "bool"),
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
    let Some(sock_type) = args.long_or(3, "sock_type", SWOOLE_SOCK_TCP) else {
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
    let base_type = sock_type & 0xff;

    if base_type != SWOOLE_SOCK_TCP && base_type != SWOOLE_SOCK_TCP6 {
        throw_swoole(&format!("socket type {sock_type} is not supported by swoole-rs yet (only SWOOLE_SOCK_TCP and SWOOLE_SOCK_TCP6)"), -1);
        return;
    }
    let kind = if zend::instance_of(obj, WEBSOCKET_SERVER.get()) {
        Kind::WebSocket
    } else if zend::instance_of(obj, HTTP_SERVER.get()) {
        Kind::Http
    } else {
        Kind::Tcp
    };
    if kind == Kind::Tcp {
        throw_swoole("Swoole\\Server (raw TCP) is not supported by swoole-rs yet: use Swoole\\WebSocket\\Server or Swoole\\Http\\Server", -1);
        return;
    }
    let listener = match runtime::server::bind(&host, port as u16, 512) {
        Ok(l) => l,
        Err(e) => {
            let errno = i64::from(e.raw_os_error().unwrap_or(0));
            let text = std::io::Error::from_raw_os_error(errno as i32).to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            throw_swoole(
                &format!("failed to listen server port[{host}:{port}], Error: {text}[{errno}]"),
                errno,
            );
            return;
        }
    };
    let bound_port = listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or(port as u16);
    let _ = listener.set_nonblocking(true);
    use std::os::fd::AsRawFd;
    let sock = listener.as_raw_fd();

    let st = Rc::new(ServerState::new(obj, kind, mode));
    *st.listener.borrow_mut() = Some(listener);

    zend::set_prop(obj, "host", zstr(&host));
    zend::set_prop(obj, "port", zlong(i64::from(bound_port)));
    zend::set_prop(obj, "type", zlong(sock_type));
    zend::set_prop(obj, "mode", zlong(mode));
    let ssl = sock_type & SWOOLE_SSL != 0;
    st.ssl.set(ssl);
    zend::set_prop(obj, "ssl", zbool(ssl));

    let port_z = zend::new_object(PORT.get());
    if let Some(po) = zend::obj_ptr(&port_z) {
        zend::set_prop(po, "host", zstr(&host));
        zend::set_prop(po, "port", zlong(i64::from(bound_port)));
        zend::set_prop(po, "type", zlong(sock_type));
        zend::set_prop(po, "sock", zlong(i64::from(sock)));
        zend::set_prop(po, "ssl", zbool(ssl));
        st.port_obj.set(po);
        let it = zend::new_object(CONN_ITERATOR.get());
        zend::set_prop(po, "connections", zend::zcopy(&it));
        zend::set_prop(obj, "connections", it);
    }
    let mut ports = ZendHashTable::new();
    let _ = ports.push(port_z);
    zend::set_prop(obj, "ports", zarray(ports));
    state::set_current(Some(st));
}

fn server_listen(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 3, 3) else {
        return;
    };
    zend::warning_docref("additional listening ports are not supported by swoole-rs yet");
    rv.set_bool(false);
}

/// The state of the server `$this` is (the current one).
fn state_for(ex: &mut ExecuteData) -> Option<Rc<ServerState>> {
    let obj = this(ex)?;
    state::current().filter(|s| std::ptr::eq(s.obj, obj))
}

fn register_callback(st: Option<Rc<ServerState>>, args: &Args, rv: &mut Zval) {
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
    st.store_callback(prop, owner, zend::zcopy(cb));
    rv.set_bool(true);
}

fn server_on(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let st = state_for(ex);
    register_callback(st, &args, rv);
}

fn port_on(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let obj = this(ex);
    let st = state::current().filter(|s| obj.is_some_and(|o| std::ptr::eq(s.port_obj.get(), o)));
    register_callback(st, &args, rv);
}

fn get_callback(st: Option<Rc<ServerState>>, args: &Args, rv: &mut Zval) {
    let Some(name) = args.string(0, "event_name") else {
        return;
    };
    let value = state::event(&name)
        .and_then(|(prop, owner)| st.and_then(|s| s.callback_value(prop, owner)));
    *rv = value.unwrap_or_else(znull);
}

fn server_get_callback(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let st = state_for(ex);
    get_callback(st, &args, rv);
}

fn port_get_callback(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    get_callback(state::current(), &args, rv);
}

/// A PHP value as a typed setting value.
fn setting_value(z: &Zval) -> SettingValue {
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

/// Merges `settings` into the `setting` property of `obj` and applies them.
fn apply_settings(st: &ServerState, obj: *mut zend_object, settings: &ZendHashTable) {
    let mut merged = match zend::get_prop(obj, "setting").and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    };
    let mut typed = st.settings.borrow_mut();
    for (key, value) in settings.iter() {
        let k = key.to_string();
        typed.apply(&k, &setting_value(value));
        zend::ht_set(&mut merged, &k, zend::zcopy(value));
    }
    drop(typed);
    zend::set_prop(obj, "setting", zarray(merged));
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
        zend::warning_docref("server is running, unable to execute Swoole\\Server->set()");
        rv.set_bool(false);
        return;
    }
    apply_settings(&st, st.obj, arr);
    rv.set_bool(true);
}

fn port_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(arr) = args.array(0, "settings") else {
        return;
    };
    let obj = this(ex);
    if let (Some(st), Some(o)) = (state::current(), obj) {
        apply_settings(&st, o, arr);
    }
    rv.set_null();
}

fn server_start(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    let Some(st) = state_for(ex) else {
        zend::warning_docref("server is not created");
        rv.set_bool(false);
        return;
    };
    if st.running.get() {
        zend::warning_docref("server is running, unable to execute Swoole\\Server->start()");
        rv.set_bool(false);
        return;
    }
    if super::timer::in_event_loop() || tokio::runtime::Handle::try_current().is_ok() {
        // SAFETY: obj is $this.
        let class = unsafe { &*st.obj }.get_class_name().unwrap_or_default();
        zend::warning_docref(&format!(
            "eventLoop has already been created, unable to start {class}"
        ));
        rv.set_bool(false);
        return;
    }
    st.resolve_callbacks();
    let cbs = st.callbacks();
    match st.kind {
        Kind::WebSocket if cbs.message.is_none() => {
            fatal("require onMessage callback");
            return;
        }
        Kind::Http if cbs.request.is_none() => {
            fatal("require onRequest callback");
            return;
        }
        _ => {}
    }
    // TLS first: a bad or missing certificate fails start() with a clear
    // exception, before anything runs.
    let tls = if st.ssl.get() {
        let s = st.settings.borrow();
        match runtime::tls::server_config(s.ssl_cert_file.as_deref(), s.ssl_key_file.as_deref()) {
            Ok(config) => Some(config),
            Err(e) => {
                drop(s);
                throw_swoole(&e, errors::SSL_ERROR);
                return;
            }
        }
    } else {
        None
    };
    let Some(listener) = st.listener.borrow_mut().take() else {
        zend::warning_docref("server was already started and stopped");
        rv.set_bool(false);
        return;
    };
    let mut settings = st.settings.borrow().clone();
    if st.kind == Kind::Http {
        // A plain HTTP server hands upgrade requests to onRequest.
        settings.open_websocket_protocol = false;
    }
    if settings.task_worker_num > 0 && cbs.task.is_none() {
        fatal("require onTask callback");
        return;
    }
    fill_default_settings(&st, &settings);
    // Rooms and the cluster bus (swoole-rs), before any fork.
    match runtime::node::Node::new(&settings) {
        Ok(node) => *st.node.borrow_mut() = Some(node),
        Err(e) => {
            // Nothing started: the script may fix the setting and start again.
            *st.listener.borrow_mut() = Some(listener);
            throw_swoole(&e, 0);
            return;
        }
    }
    if settings.daemonize {
        zend::flush_output();
        if let Err(e) = process::daemonize(settings.log_file.as_deref()) {
            throw_swoole(
                &format!("daemonize failed: {e}"),
                i64::from(e.raw_os_error().unwrap_or(-1)),
            );
            return;
        }
    }
    log::configure(settings.log_level, settings.log_file.as_deref());
    let pid_file = settings.pid_file.clone();
    if let Some(path) = &pid_file {
        if let Err(e) = process::write_pid_file(path) {
            log::write(
                log::Level::Warning,
                false,
                &format!("cannot write pid_file {path}: {e}"),
            );
        }
    }
    // Several processes: SWOOLE_PROCESS always (this process becomes the
    // master, owning the connections); SWOOLE_BASE with any of worker_num
    // > 1, task workers or max_request (this process becomes the manager).
    let process_mode = st.mode == SWOOLE_PROCESS;
    if process_mode
        || settings.worker_num > 1
        || settings.task_worker_num > 0
        || settings.max_request > 0
    {
        st.running.set(true);
        let spec = super::workers::WorkerSpec {
            st: st.clone(),
            listener,
            settings,
            tls,
        };
        let result = if process_mode {
            super::workers::run_process_mode(spec)
        } else {
            super::workers::run_manager(spec)
        };
        if let Some(path) = &pid_file {
            process::remove_pid_file(path);
        }
        st.running.set(false);
        timers::timers().clear_all();
        super::push_cache::clear();
        st.set_callbacks(Rc::new(state::Callbacks::default()));
        zend::set_prop(st.obj, "worker_id", zlong(-1));
        drop(st);
        match result {
            Ok(()) => rv.set_bool(true),
            Err(e) => throw_swoole(
                &format!("failed to start the workers: {e}"),
                i64::from(e.raw_os_error().unwrap_or(-1)),
            ),
        }
        return;
    }
    let pid = i64::from(std::process::id());
    st.worker_pid.set(pid);
    zend::set_prop(st.obj, "master_pid", zlong(pid));
    zend::set_prop(st.obj, "worker_pid", zlong(pid));
    zend::set_prop(st.obj, "manager_pid", zlong(0));
    zend::set_prop(st.obj, "worker_id", zlong(0));

    let rt = lifecycle::server(settings, None, tls);
    *st.runtime.borrow_mut() = Some(rt.clone());
    st.running.set(true);
    st.abort.set(None);
    process::drop_privileges_logged(&rt.settings);
    let st_sig = st.clone();
    let serve = lifecycle::Serve {
        role: lifecycle::Role::Single,
        server: rt,
        listener: Some(listener),
        handler: Rc::new(PhpHandler::new(st.clone())),
        tasks: vec![],
        signals: &[libc::SIGTERM, libc::SIGINT],
        on_signal: Box::new(move |_| {
            st_sig.begin_shutdown();
            false
        }),
    };
    let result = lifecycle::run(serve, &*st);
    timers::timers().clear_all();
    super::push_cache::clear();
    if let Some(path) = &pid_file {
        process::remove_pid_file(path);
    }
    st.running.set(false);
    let runtime = st.runtime.borrow_mut().take();
    drop(runtime);
    st.set_callbacks(Rc::new(state::Callbacks::default()));
    zend::set_prop(st.obj, "worker_id", zlong(-1));
    let abort = st.abort.take();
    drop(st);
    match result {
        Ok(()) => {}
        Err(e) => {
            throw_swoole(
                &format!("failed to start the event loop: {e}"),
                i64::from(e.raw_os_error().unwrap_or(-1)),
            );
            return;
        }
    }
    match abort {
        // exit() in a callback: its pending unwind exception ends the script.
        Some(CallOutcome::Exit) => {}
        // A fatal error in a callback: finish what PHP started.
        // SAFETY: nothing on this frame needs dropping past this point.
        Some(CallOutcome::Bailout) => unsafe { ext_php_rs::zend::bailout() },
        _ => rv.set_bool(true),
    }
}

/// Adds the keys Swoole fills into `$server->setting` at start when the
/// script did not set them (scripts read `$server->setting['worker_num']`).
fn fill_default_settings(st: &ServerState, settings: &runtime::Settings) {
    let mut merged = match zend::get_prop(st.obj, "setting").and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    };
    let defaults = [
        ("worker_num", zlong(settings.worker_num)),
        ("task_worker_num", zlong(settings.task_worker_num)),
        (
            "output_buffer_size",
            zlong(settings.buffer_output_size as i64),
        ),
        ("max_connection", zlong(settings.max_connection)),
        ("open_http_protocol", zbool(settings.open_http_protocol)),
        (
            "open_websocket_protocol",
            zbool(st.kind == Kind::WebSocket && settings.open_websocket_protocol),
        ),
    ];
    for (key, value) in defaults {
        if merged.get(key).is_none() {
            let _ = merged.insert(key, value);
        }
    }
    zend::set_prop(st.obj, "setting", zarray(merged));
}

/// An E_ERROR from the running method: ends the script as Swoole does.
fn fatal(msg: &str) {
    let m = std::ffi::CString::new(msg).unwrap_or_default();
    // SAFETY: E_ERROR bails out to the engine's catch point; no Rust value
    // that needs dropping lives on the frames it crosses beyond this call.
    unsafe {
        ext_php_rs::ffi::php_error_docref(
            std::ptr::null(),
            zend::E_ERROR,
            c"%s".as_ptr(),
            m.as_ptr(),
        )
    };
}

fn find_conn(rt: &runtime::Server, fd: i64) -> Option<Rc<Connection>> {
    table_get(rt, fd).filter(|c| !c.is_closing())
}

/// A connection this process serves itself. In a SWOOLE_PROCESS worker the
/// table only holds mirrors of the master's connections (for the event
/// being handled): the API goes to the master for every connection.
pub(super) fn table_get(rt: &runtime::Server, fd: i64) -> Option<Rc<Connection>> {
    if cluster::is_process_worker() {
        return None;
    }
    rt.table.get(fd)
}

fn warn_no_session(fd: i64) {
    zend::warning_docref(&format!("session#{fd} does not exists"));
    errors::set_last_error(errors::PHP_FATAL_ERROR);
}

fn warn_not_websocket(fd: i64) {
    zend::warning_docref(&format!(
        "the connected client of connection[{fd}] is not a websocket client or closed"
    ));
    errors::set_last_error(errors::WEBSOCKET_UNCONNECTED);
}

/// Reports a refused send as Swoole does; returns the push() result.
fn send_result(fd: i64, r: Result<(), SendError>) -> bool {
    push_result(fd, r.map_err(PushError::Send))
}

/// Reports a failed push, send or forward as Swoole does; returns the
/// method's result.
fn push_result(fd: i64, r: Result<(), PushError>) -> bool {
    match r {
        Ok(()) => true,
        Err(PushError::Send(SendError::Closed)) => {
            warn_not_websocket(fd);
            false
        }
        Err(PushError::Send(SendError::QueueFull)) => {
            zend::warning_docref(&format!("connection#{fd} output buffer overflow"));
            errors::set_last_error(errors::OUTPUT_BUFFER_OVERFLOW);
            false
        }
        Err(PushError::Pack(e)) => frame::report::<()>(Err(e)).is_some(),
        // The owner's inbox is gone (it is being respawned), or the
        // connection is already closing: nothing was queued.
        Err(PushError::Forward | PushError::Closing) => false,
    }
}

/// The websocket connection `fd`, or Swoole's warning and None.
fn websocket_conn(rt: &runtime::Server, fd: i64) -> Option<Rc<Connection>> {
    match websocket_target(rt, fd)? {
        Target::Local(conn) => Some(conn),
        Target::Remote(_) => {
            warn_not_websocket(fd);
            None
        }
    }
}

/// Where the open connection `fd` lives, or Swoole's warning and None.
fn conn_target(rt: &runtime::Server, fd: i64) -> Option<Target> {
    if let Some(conn) = find_conn(rt, fd) {
        return Some(Target::Local(conn));
    }
    if table_get(rt, fd).is_none() {
        if let Some(info) = cluster::remote_session(fd) {
            return Some(Target::Remote(info.owner));
        }
    }
    warn_no_session(fd);
    None
}

/// Where the websocket connection `fd` lives, or Swoole's warning and None.
pub(super) fn websocket_target(rt: &runtime::Server, fd: i64) -> Option<Target> {
    if let Some(conn) = table_get(rt, fd) {
        if !conn.is_websocket() {
            warn_not_websocket(fd);
            return None;
        }
        return Some(Target::Local(conn));
    }
    match cluster::remote_session(fd) {
        Some(info) if info.ws_status == ws_status::ACTIVE => Some(Target::Remote(info.owner)),
        Some(_) => {
            warn_not_websocket(fd);
            None
        }
        None => {
            warn_no_session(fd);
            None
        }
    }
}

/// What `push()` was asked to send.
enum PushData<'a> {
    /// A string: framed through the frame-once cache.
    Str {
        data: &'a Zval,
        opcode: i64,
        flags: i64,
    },
    /// A Frame object (or a non-string scalar turned into a spec).
    Spec(frame::FrameSpec),
}

fn ws_push(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 4) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    // Argument errors come before any server or connection check.
    let what = match args.get(1).filter(|d| d.is_string()) {
        Some(data) => {
            let Some(opcode) = args.long_or(2, "opcode", 1) else {
                return;
            };
            let Some(flags) = args.long_or(3, "flags", i64::from(FLAG_FIN)) else {
                return;
            };
            PushData::Str {
                data,
                opcode,
                flags,
            }
        }
        None => match frame::spec_from_args(&args, 1, 2, 3) {
            Some(spec) => PushData::Spec(spec),
            None => return,
        },
    };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    let Some(target) = websocket_target(&rt, fd) else {
        rv.set_bool(false);
        return;
    };
    let conn = match target {
        Target::Local(conn) => conn,
        // The owner frames (and compresses) it for its connection, after
        // the same checks as a local push, made here.
        Target::Remote(_) => {
            let (frame, payload) = match &what {
                PushData::Str {
                    data,
                    opcode,
                    flags,
                } => (
                    frame::push_frame(*opcode, *flags, None),
                    zend::str_bytes(data).unwrap_or_default(),
                ),
                PushData::Spec(spec) => (
                    frame::push_frame(spec.opcode, spec.flags, spec.close.clone()),
                    &spec.data[..],
                ),
            };
            let Some(frame) = frame.map(PushFrame::unmasked) else {
                rv.set_bool(false);
                return;
            };
            let out = push::Outbound::Frame(&frame, payload);
            let sent = push::deliver(&rt, &target, fd, out, cluster::forward);
            rv.set_bool(push_result(fd, sent));
            return;
        }
    };
    // A server never masks; compression depends on the connection's
    // permessage-deflate agreement.
    let agreement = conn.deflate();
    let bytes = match what {
        PushData::Str {
            data,
            opcode,
            flags,
        } => {
            let flags = flags & !i64::from(FLAG_MASK);
            let compress = agreement.is_some() && flags & i64::from(FLAG_COMPRESS) != 0;
            let payload = zend::str_bytes(data).unwrap_or_default();
            let encode = || frame::encode_data(opcode, flags, payload, Some(&conn));
            match agreement {
                // The connection's own compressor keeps a window: its frames
                // are unique to it and must be made in push order.
                Some(a) if compress && !a.server_no_context_takeover() => encode().map(Bytes::from),
                _ => {
                    // A broadcast loop frames (and compresses) the string
                    // once; the window size is part of what was agreed.
                    let cache_flags = match agreement {
                        Some(a) if compress => flags | (i64::from(a.server_window_bits) << 8),
                        _ => flags & !i64::from(FLAG_COMPRESS),
                    };
                    push_cache::framed(data, opcode, cache_flags, encode)
                }
            }
        }
        PushData::Spec(spec) => {
            let spec = frame::FrameSpec {
                flags: spec.flags & !i64::from(FLAG_MASK),
                ..spec
            };
            frame::encode_spec(&spec, Some(&conn)).map(Bytes::from)
        }
    };
    match bytes {
        Some(bytes) => rv.set_bool(push_result(fd, push::send_bytes(&conn, bytes))),
        None => rv.set_bool(false),
    }
}

/// `broadcast($data, $opcode = TEXT, $exclude = [])` (swoole-rs): frames
/// `$data` once and queues the same bytes to every established WebSocket
/// connection of the server (every worker's) except the `$exclude` fds.
fn ws_broadcast(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(data) = args.bytes(0, "data") else {
        return;
    };
    let Some(opcode) = args.long_or(1, "opcode", i64::from(opcode::TEXT)) else {
        return;
    };
    let exclude: Vec<i64> = match args.get(2) {
        Some(z) if !z.is_null() => match args.array(2, "exclude") {
            Some(a) => a.iter().filter_map(|(_, v)| v.long()).collect(),
            None => return,
        },
        _ => Vec::new(),
    };
    let Some((st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    let Some(framed) = super::rooms::build_frame(opcode, data) else {
        rv.set_bool(false);
        return;
    };
    if !cluster::is_process_worker() {
        rt.broadcast(&framed, &exclude);
    }
    let elsewhere = cluster::broadcast_elsewhere(&framed, &exclude).unwrap_or(true);
    // Other nodes: everyone ($exclude names this node's fds only).
    let nodes =
        super::rooms::tell_other_nodes(&st, crate::protocol::bus::Target::Everyone, &framed);
    rv.set_bool(elsewhere && nodes);
}

fn ws_ping(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    let Some(data) = args.bytes_or(1, "data", b"") else {
        return;
    };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    let Some(conn) = websocket_conn(&rt, fd) else {
        rv.set_bool(false);
        return;
    };
    let data = &data[..data.len().min(125)];
    rv.set_bool(send_result(
        fd,
        conn.send_frame(opcode::PING, true, 0, data),
    ));
}

fn ws_disconnect(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    let Some(code) = args.long_or(1, "code", 1000) else {
        return;
    };
    let Some(reason) = args.bytes_or(2, "reason", b"") else {
        return;
    };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    let Some(target) = websocket_target(&rt, fd) else {
        rv.set_bool(false);
        return;
    };
    if !(0..=65535).contains(&code) {
        zend::throw_value_error(&format!(
            "{}(): Argument #2 ($code) must be between 0 and 65535",
            super::args::function_name(ex)
        ));
        return;
    }
    if reason.len() > 125 {
        log::write(
            log::Level::Warning,
            true,
            "websocket::pack_close_frame(): the max length of close reason is 125",
        );
        errors::set_last_error(errors::WEBSOCKET_PACK_FAILED);
        rv.set_bool(false);
        return;
    }
    let out = push::Outbound::Disconnect(code as u16, &reason);
    let sent = push::deliver(&rt, &target, fd, out, cluster::forward);
    rv.set_bool(sent.is_ok());
}

fn ws_is_established(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    let established = match table_get(&rt, fd) {
        Some(c) => c.is_websocket(),
        None => cluster::remote_session(fd).is_some_and(|info| info.ws_status == ws_status::ACTIVE),
    };
    rv.set_bool(established);
}

/// exist()/exists()/confirm() take the fd; protect() also takes a flag
/// that changes nothing here (the heartbeat is the only thing that would
/// close a protected connection, and protect() is rare enough to ignore).
fn connection_exists(ex: &mut ExecuteData, rv: &mut Zval, max_args: usize) {
    let Some(args) = Args::parse(ex, 1, max_args) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    rv.set_bool(exists_anywhere(&rt, fd));
}

/// Open in this worker, or in another one.
fn exists_anywhere(rt: &runtime::Server, fd: i64) -> bool {
    match table_get(rt, fd) {
        Some(c) => !c.is_closing(),
        None => cluster::remote_session(fd).is_some(),
    }
}

fn server_exist(ex: &mut ExecuteData, rv: &mut Zval) {
    connection_exists(ex, rv, 1);
}

fn server_protect(ex: &mut ExecuteData, rv: &mut Zval) {
    connection_exists(ex, rv, 2);
}

fn server_send(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 3) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    let Some(data) = args.bytes(1, "send_data") else {
        return;
    };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    let Some(target) = conn_target(&rt, fd) else {
        rv.set_bool(false);
        return;
    };
    if data.is_empty() {
        zend::warning_docref("the data sent must not be empty");
        rv.set_bool(false);
        return;
    }
    let out = push::Outbound::Bytes(data);
    let sent = push::deliver(&rt, &target, fd, out, cluster::forward);
    rv.set_bool(push_result(fd, sent));
}

fn server_sendfile(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 4) else {
        return;
    };
    let Some(fd) = args.long(0, "conn_fd") else {
        return;
    };
    let Some(path) = args.string(1, "filename") else {
        return;
    };
    let Some(offset) = args.long_or(2, "offset", 0) else {
        return;
    };
    let Some(length) = args.long_or(3, "length", 0) else {
        return;
    };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    let Some(conn) = find_conn(&rt, fd) else {
        warn_no_session(fd);
        rv.set_bool(false);
        return;
    };
    match runtime::file_range(&path, offset, length) {
        Ok(content) => {
            rv.set_bool(send_result(fd, conn.send(Bytes::from(content))));
        }
        Err(e) => {
            zend::warning_docref(&format!("file[{path}] not found: {e}"));
            rv.set_bool(false);
        }
    }
}

fn server_close(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    let target = match find_conn(&rt, fd) {
        Some(conn) => Target::Local(conn),
        None => match cluster::remote_session(fd).filter(|_| table_get(&rt, fd).is_none()) {
            Some(info) => Target::Remote(info.owner),
            None => {
                errors::set_last_error(errors::SESSION_NOT_EXIST);
                rv.set_bool(false);
                return;
            }
        },
    };
    let sent = push::deliver(&rt, &target, fd, push::Outbound::Close, cluster::forward);
    rv.set_bool(sent.is_ok());
}

fn server_shutdown(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 1) else {
        return;
    };
    if cluster::cluster().is_some() {
        rv.set_bool(cluster::signal_manager(libc::SIGTERM));
        return;
    }
    let Some((st, _rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    st.begin_shutdown();
    rv.set_bool(true);
}

fn server_task(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(index) = args.long_or(1, "taskWorkerIndex", -1) else {
        return;
    };
    let finish = match args.get(2).filter(|z| !z.is_null()) {
        Some(z) => match zend::Callback::new(z) {
            Some(cb) => Some(cb),
            None => {
                zend::throw_type_error(&format!(
                    "{}(): Argument #3 ($finishCallback) must be a valid callback or null",
                    super::args::function_name(ex)
                ));
                return;
            }
        },
        None => None,
    };
    let Some(data) = args.get(0) else { return };
    match super::workers::task(data, index, finish) {
        Some(id) => rv.set_long(id),
        None => rv.set_bool(false),
    }
}

/// A float argument (ints accepted), or `default` when absent.
fn float_arg(args: &Args, i: usize, default: f64) -> f64 {
    args.get(i)
        .and_then(|z| z.double().or_else(|| z.long().map(|l| l as f64)))
        .unwrap_or(default)
}

fn server_taskwait(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let timeout = float_arg(&args, 1, 0.5);
    let Some(index) = args.long_or(2, "taskWorkerIndex", -1) else {
        return;
    };
    let Some(data) = args.get(0) else { return };
    match super::workers::taskwait(data, timeout, index) {
        Some(v) => *rv = v,
        None => rv.set_bool(false),
    }
}

/// `taskWaitMulti($tasks, $timeout)`: each task in turn, results keyed as
/// the input; a task that timed out is left out, as in Swoole.
fn server_task_wait_multi(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(tasks) = args.array(0, "tasks") else {
        return;
    };
    let timeout = float_arg(&args, 1, 0.5);
    let deadline = std::time::Instant::now()
        + std::time::Duration::from_secs_f64(timeout.clamp(0.001, 86_400.0));
    let mut out = ZendHashTable::new();
    let entries: Vec<(i64, Zval)> = tasks
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (i as i64, zend::zcopy(v)))
        .collect();
    for (i, data) in entries {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            break;
        }
        if let Some(v) = super::workers::taskwait(&data, left.as_secs_f64(), -1) {
            let _ = out.insert_at_index(i, v);
        }
    }
    *rv = zarray(out);
}

fn server_finish(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(data) = args.get(0) else { return };
    rv.set_bool(super::workers::finish(data));
}

fn server_send_message(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let Some(dest) = args.long(1, "dst_worker_id") else {
        return;
    };
    let Some(data) = args.get(0) else { return };
    let Some(st) = state::current().filter(|s| s.running.get()) else {
        zend::warning_docref("server is not running");
        rv.set_bool(false);
        return;
    };
    rv.set_bool(super::workers::send_message(&st, data, dest));
}

fn server_reload(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(only_task) = args.bool_or(0, "only_reload_taskworker", false) else {
        return;
    };
    if cluster::cluster().is_none() {
        zend::warning_docref("not supported with single process mode");
        rv.set_bool(false);
        return;
    }
    let sig = if only_task {
        libc::SIGUSR2
    } else {
        libc::SIGUSR1
    };
    rv.set_bool(cluster::signal_manager(sig));
}

/// `stop($workerId = -1)`: the worker stops serving and exits (the manager
/// starts a new one); in a single-process server, the server stops.
fn server_stop(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 2) else {
        return;
    };
    let Some(id) = args.long_or(0, "workerId", -1) else {
        return;
    };
    let Some(c) = cluster::cluster() else {
        server_shutdown(ex, rv);
        return;
    };
    if id == -1 || id == c.worker_id.get() {
        match state::current().and_then(|s| s.runtime()) {
            Some(rt) => {
                cluster::stop_worker(&rt);
                rv.set_bool(true);
            }
            None => rv.set_bool(false),
        }
        return;
    }
    let pid = usize::try_from(id).map_or(0, |id| c.shared.worker_pid(id));
    // SAFETY: signalling a worker process of this server.
    rv.set_bool(pid > 0 && unsafe { libc::kill(pid, libc::SIGTERM) } == 0);
}

fn server_get_last_error(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    rv.set_long(errors::last_error());
}

fn server_heartbeat(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(close) = args.bool_or(0, "ifCloseConnection", true) else {
        return;
    };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    let idle = rt.settings.heartbeat().map(|(_, idle)| idle.as_secs_f64());
    let mut list = ZendHashTable::new();
    if let Some(idle) = idle {
        let deadline = runtime::connection::unix_time() - idle;
        for conn in rt.table.snapshot() {
            if conn.last_recv_time.get() < deadline && !conn.is_closing() {
                let _ = list.push(zlong(conn.id));
                if close {
                    rt.close_connection(&conn, None, -1);
                }
            }
        }
    }
    *rv = zarray(list);
}

/// `connection_info()`'s array for a connection, Swoole's keys in order.
fn connection_info(rt: &runtime::Server, conn: &Connection) -> Zval {
    let _ = rt;
    info_array(&conn.slot_info(0), conn.queued_bytes())
}

/// The array for a connection described by `info` (local, or another
/// worker's from the shared table).
fn info_array(info: &SlotInfo, send_queued: usize) -> Zval {
    let mut a = ZendHashTable::new();
    let _ = a.insert("websocket_status", zlong(i64::from(info.ws_status)));
    let _ = a.insert("server_port", zlong(i64::from(info.local.port())));
    let _ = a.insert("server_fd", zlong(i64::from(info.server_fd)));
    let _ = a.insert("socket_fd", zlong(i64::from(info.socket_fd)));
    let _ = a.insert(
        "socket_type",
        zlong(if info.peer.is_ipv6() { 3 } else { 1 }),
    );
    let _ = a.insert("remote_port", zlong(i64::from(info.peer.port())));
    let _ = a.insert("remote_ip", zstr(info.peer.ip().to_string()));
    let _ = a.insert("reactor_id", zlong(0));
    let _ = a.insert("connect_time", zlong(info.connect_time as i64));
    let _ = a.insert("last_time", zlong(info.last_recv_time as i64));
    let _ = a.insert("last_recv_time", zdouble(info.last_recv_time));
    let _ = a.insert("last_send_time", zdouble(info.last_send_time));
    let _ = a.insert("last_dispatch_time", zdouble(info.last_dispatch_time));
    let _ = a.insert("close_errno", zlong(0));
    let _ = a.insert("recv_queued_bytes", zlong(0));
    let _ = a.insert("send_queued_bytes", zlong(send_queued as i64));
    zarray(a)
}

/// `connection_info()` of any open connection of the server.
fn info_anywhere(rt: &runtime::Server, fd: i64) -> Option<Zval> {
    match table_get(rt, fd) {
        Some(conn) => Some(connection_info(rt, &conn)),
        None => cluster::remote_session(fd).map(|info| info_array(&info, 0)),
    }
}

fn server_connection_info(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    // No closing filter: onClose may still read the info, as in Swoole.
    match info_anywhere(&rt, fd) {
        Some(z) => *rv = z,
        None => rv.set_bool(false),
    }
}

fn server_connection_list(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 2) else {
        return;
    };
    let Some(start) = args.long_or(0, "start_fd", 0) else {
        return;
    };
    let Some(count) = args.long_or(1, "find_count", 10) else {
        return;
    };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    if count > 100 {
        zend::warning_docref("swoole connection list max_find_count=100");
        rv.set_bool(false);
        return;
    }
    let ids = match cluster::all_sessions() {
        Some(all) => all
            .into_iter()
            .filter(|&id| id > start)
            .take(count.max(0) as usize)
            .collect(),
        None => rt.table.ids_after(start, count.max(0) as usize),
    };
    let mut a = ZendHashTable::new();
    for id in ids {
        let _ = a.push(zlong(id));
    }
    *rv = zarray(a);
}

fn server_get_worker_id(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    match cluster::cluster() {
        Some(c) if c.worker_id.get() >= 0 => rv.set_long(c.worker_id.get()),
        Some(_) => rv.set_bool(false),
        None if in_worker() => rv.set_long(0),
        None => rv.set_bool(false),
    }
}

fn server_get_worker_pid(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(id) = args.long_or(0, "worker_id", -1) else {
        return;
    };
    if let Some(c) = cluster::cluster() {
        let id = if id == -1 { c.worker_id.get() } else { id };
        match usize::try_from(id).map(|id| c.shared.worker_pid(id)) {
            Ok(pid) if pid > 0 && (id as usize) < c.total() => rv.set_long(i64::from(pid)),
            _ => rv.set_bool(false),
        }
        return;
    }
    if in_worker() && (id == -1 || id == 0) {
        rv.set_long(i64::from(std::process::id()));
    } else {
        rv.set_bool(false);
    }
}

fn server_get_worker_status(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(id) = args.long_or(0, "worker_id", -1) else {
        return;
    };
    if let Some(c) = cluster::cluster() {
        let me = c.worker_id.get();
        let id = if id == -1 { me } else { id };
        match usize::try_from(id) {
            // The caller is running PHP code: busy.
            Ok(_) if id == me => rv.set_long(i64::from(cluster::WORKER_BUSY)),
            Ok(i) if i < c.total() => rv.set_long(i64::from(c.shared.worker_status(i))),
            _ => rv.set_bool(false),
        }
        return;
    }
    if in_worker() {
        rv.set_long(i64::from(cluster::WORKER_BUSY));
    } else {
        rv.set_bool(false);
    }
}

fn server_get_manager_pid(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    rv.set_long(cluster::cluster().map_or(0, |c| i64::from(c.shared.manager_pid())));
}

fn server_get_master_pid(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    if let Some(c) = cluster::cluster() {
        rv.set_long(i64::from(c.shared.master_pid()));
        return;
    }
    let pid = state::current().map(|s| s.worker_pid.get()).unwrap_or(0);
    rv.set_long(pid);
}

fn server_stats(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    let mut a = ZendHashTable::new();
    let rt = state::current().and_then(|s| s.runtime());
    let (start, conns, accepted, closed) = match &rt {
        Some(rt) => (
            rt.start_time as i64,
            rt.table.len() as i64,
            rt.table.accepted_total() as i64,
            rt.table.closed_total() as i64,
        ),
        None => (0, 0, 0, 0),
    };
    let _ = a.insert("start_time", zlong(start));
    let _ = a.insert("connection_num", zlong(conns));
    let _ = a.insert("abort_count", zlong(0));
    let _ = a.insert("accept_count", zlong(accepted));
    let _ = a.insert("close_count", zlong(closed));
    let _ = a.insert("worker_num", zlong(1));
    let _ = a.insert("task_worker_num", zlong(0));
    let _ = a.insert("user_worker_num", zlong(0));
    let _ = a.insert("idle_worker_num", zlong(0));
    let _ = a.insert("dispatch_count", zlong(0));
    let _ = a.insert("request_count", zlong(0));
    let _ = a.insert("response_count", zlong(0));
    let _ = a.insert("total_recv_bytes", zlong(0));
    let _ = a.insert("total_send_bytes", zlong(0));
    let _ = a.insert("pipe_packet_msg_id", zlong(0));
    let _ = a.insert(
        "session_round",
        zlong(rt.as_ref().map(|r| r.table.last_id()).unwrap_or(0)),
    );
    let _ = a.insert("min_fd", zlong(0));
    let _ = a.insert("max_fd", zlong(0));
    let _ = a.insert("worker_request_count", zlong(0));
    let _ = a.insert("worker_response_count", zlong(0));
    let _ = a.insert("worker_dispatch_count", zlong(0));
    let _ = a.insert("coroutine_num", zlong(0));
    *rv = zarray(a);
}

// ---- Swoole\Connection\Iterator ---------------------------------------------

/// One iterator object's walk: the ids snapshotted at rewind and the
/// position. A snapshot keeps `foreach` stable while callbacks in the loop
/// close connections.
struct IteratorWalk {
    handle: u32,
    ids: Vec<i64>,
    pos: usize,
}

thread_local! {
    /// The walks under way through the Iterator methods called by hand, by
    /// iterator object handle (`foreach` uses the native iterator in
    /// conn_iterator.rs instead). A list: there are one or two.
    static ITERATORS: RefCell<Vec<IteratorWalk>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on the walk of iterator `handle`, if one is under way.
fn with_walk<R>(handle: u32, f: impl FnOnce(&mut IteratorWalk) -> R) -> Option<R> {
    ITERATORS.with(|m| {
        m.borrow_mut()
            .iter_mut()
            .find(|w| w.handle == handle)
            .map(f)
    })
}

fn iter_handle(ex: &mut ExecuteData) -> u32 {
    // SAFETY: $this is a live object.
    this(ex).map(|o| unsafe { (*o).handle }).unwrap_or(0)
}

pub(super) fn live_ids() -> Vec<i64> {
    if let Some(all) = cluster::all_sessions() {
        return all;
    }
    state::current()
        .and_then(|s| s.runtime())
        .map(|rt| {
            rt.table
                .snapshot()
                .iter()
                .filter(|c| !c.is_closing())
                .map(|c| c.id)
                .collect()
        })
        .unwrap_or_default()
}

fn iter_rewind(ex: &mut ExecuteData, _rv: &mut Zval) {
    let h = iter_handle(ex);
    let mut ids = Some(live_ids());
    with_walk(h, |w| {
        w.ids = ids.take().unwrap_or_default();
        w.pos = 0;
    });
    if let Some(ids) = ids {
        ITERATORS.with(|m| {
            m.borrow_mut().push(IteratorWalk {
                handle: h,
                ids,
                pos: 0,
            })
        });
    }
}

fn iter_next(ex: &mut ExecuteData, _rv: &mut Zval) {
    with_walk(iter_handle(ex), |w| w.pos += 1);
}

fn iter_at(h: u32) -> Option<(i64, usize)> {
    with_walk(h, |w| w.ids.get(w.pos).map(|id| (*id, w.pos))).flatten()
}

fn iter_current(ex: &mut ExecuteData, rv: &mut Zval) {
    let h = iter_handle(ex);
    match iter_at(h) {
        Some((id, _)) => rv.set_long(id),
        None => rv.set_null(),
    }
}

fn iter_key(ex: &mut ExecuteData, rv: &mut Zval) {
    let h = iter_handle(ex);
    match iter_at(h) {
        Some((_, pos)) => rv.set_long(pos as i64),
        None => rv.set_null(),
    }
}

fn iter_valid(ex: &mut ExecuteData, rv: &mut Zval) {
    let h = iter_handle(ex);
    let valid = iter_at(h).is_some();
    if !valid {
        ITERATORS.with(|m| m.borrow_mut().retain(|w| w.handle != h));
    }
    rv.set_bool(valid);
}

fn iter_count(_ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_long(live_ids().len() as i64);
}

fn iter_offset_exists(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    let exists = state::current()
        .and_then(|s| s.runtime())
        .is_some_and(|rt| exists_anywhere(&rt, fd));
    rv.set_bool(exists);
}

fn iter_offset_get(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    let info = state::current().and_then(|s| s.runtime()).and_then(|rt| {
        if exists_anywhere(&rt, fd) {
            info_anywhere(&rt, fd)
        } else {
            None
        }
    });
    match info {
        Some(z) => *rv = z,
        None => rv.set_bool(false),
    }
}

fn iter_offset_set(_ex: &mut ExecuteData, _rv: &mut Zval) {}

fn iter_offset_unset(_ex: &mut ExecuteData, _rv: &mut Zval) {}

/// Websocket status values exposed for the handler module.
pub fn is_upgraded(conn: &Connection) -> bool {
    matches!(conn.ws_status(), ws_status::ACTIVE | ws_status::CLOSING)
}
