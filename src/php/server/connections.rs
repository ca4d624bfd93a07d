//! The methods that act on one connection (`push`, `send`, `close`,
//! `disconnect`, `exist`, ...): argument checks and Swoole's warnings here,
//! delivery (local or forwarded) in `worker::push`.

use super::*;

pub(super) fn find_conn(rt: &runtime::Server, fd: i64) -> Option<Rc<Connection>> {
    table_get(rt, fd).filter(|c| !c.is_closing())
}

/// A connection this process serves itself (see `push::served_here`).
pub(in crate::php) fn table_get(rt: &runtime::Server, fd: i64) -> Option<Rc<Connection>> {
    push::served_here(rt, fd)
}

pub(super) fn warn_no_session(fd: i64) {
    zend::warning_docref(&format!("session#{fd} does not exists"));
    errors::set_last_error(errors::PHP_FATAL_ERROR);
}

pub(super) fn warn_not_websocket(fd: i64) {
    zend::warning_docref(&format!(
        "the connected client of connection[{fd}] is not a websocket client or closed"
    ));
    // Swoole sets 8503, then its warning path sets 503 over it: a script
    // sees 503 (reference §11).
    errors::set_last_error(errors::PHP_FATAL_ERROR);
}

/// Reports a failed push, send or forward as Swoole does; returns the
/// method's result.
pub(super) fn push_result(fd: i64, r: Result<(), PushError>) -> bool {
    match r {
        Ok(()) => true,
        Err(PushError::Send(SendError::Closed)) => {
            warn_not_websocket(fd);
            false
        }
        Err(PushError::Send(SendError::QueueFull)) => {
            // Swoole's log line (not a PHP warning), naming the socket.
            let socket = state::current()
                .and_then(|s| s.runtime())
                .and_then(|rt| rt.table.get(fd))
                .map_or(fd, |c| i64::from(c.socket_fd));
            errors::log_warning(&format!(
                "Server::send_to_connection() (ERRNO 1009): socket#{socket} output buffer overflow"
            ));
            errors::set_last_error(errors::OUTPUT_BUFFER_OVERFLOW);
            false
        }
        Err(PushError::Pack(e)) => frame::report::<()>(Err(e)).is_some(),
        // The owner's inbox is gone (it is being respawned), or the
        // connection is already closing: nothing was queued.
        Err(PushError::Forward | PushError::Closing) => false,
    }
}

/// A send or push to connection `fd` under Swoole's `send_yield` (on by
/// default with coroutines): while the connection's output buffer is
/// full, the running coroutine waits for the client to take what is
/// queued (the worker serves everyone else meanwhile) and tries again, so
/// a slow reader loses nothing. Outside a coroutine, or with `send_yield`
/// off, the refusal is reported as Swoole reports it.
///
/// `local` is the connection when this process holds it: its own queue
/// refuses (`QueueFull`) and [`runtime::Connection::drained`] says when to
/// try again. A connection another process writes (a SWOOLE_PROCESS
/// worker's mirror of the master's, another BASE worker's) is full while
/// the shared table marks it so; the wait then looks again every few
/// milliseconds (no process can wake another's coroutine).
pub(super) fn sent_yielding(
    st: &ServerState,
    local: Option<&Rc<runtime::Connection>>,
    fd: i64,
    mut attempt: impl FnMut() -> Result<(), PushError>,
) -> bool {
    let yields = || {
        let s = st.settings.borrow();
        let cid = crate::php::coroutine::current();
        (cid >= 0 && s.send_yields(st.mode == SWOOLE_PROCESS)).then_some((cid, s.send_timeout))
    };
    // Written by another process: its owner's buffer is what fills.
    let remote = local.is_none() || cluster::is_process_worker();
    let full_elsewhere = || remote && cluster::output_full(fd) == Some(true);
    loop {
        let r = if full_elsewhere() {
            Err(PushError::Send(SendError::QueueFull))
        } else {
            attempt()
        };
        if let Some(conn) = local.filter(|c| r.is_ok() && !remote && c.output_full()) {
            if yields().is_none() {
                // Taken, but the next one will be refused: Swoole says so once.
                errors::log_warning(&format!(
                    "Server::send_to_connection() (ERRNO 1009): connection#{} output buffer overflow",
                    conn.socket_fd
                ));
            }
        }
        if r != Err(PushError::Send(SendError::QueueFull)) {
            return push_result(fd, r);
        }
        let Some((cid, timeout)) = yields() else {
            return push_result(fd, r);
        };
        // Swoole's code for "the send waits", left as the last error.
        errors::set_last_error(errors::OUTPUT_SEND_YIELD);
        let caught_up: std::pin::Pin<Box<dyn std::future::Future<Output = bool>>> =
            match local.filter(|_| !full_elsewhere()) {
                Some(conn) => Box::pin(conn.drained()),
                None => Box::pin(async move {
                    loop {
                        match cluster::output_full(fd) {
                            Some(true) => tokio::time::sleep(REMOTE_FULL_POLL).await,
                            Some(false) => return true,
                            None => return false,
                        }
                    }
                }),
            };
        let waited = crate::php::coroutine::io::await_as(cid, async move {
            if timeout > 0.0 {
                let limit = std::time::Duration::from_secs_f64(timeout.min(1e9));
                tokio::time::timeout(limit, caught_up)
                    .await
                    .map_err(|_| libc::ETIMEDOUT)
            } else {
                Ok(caught_up.await)
            }
        });
        match waited {
            Some(Ok(true)) => continue,
            // The connection closed while the coroutine waited.
            Some(Ok(false)) => errors::set_last_error(errors::SESSION_NOT_EXIST),
            Some(Err(code)) => errors::set_last_error(i64::from(code)),
            // Canceled (Coroutine::cancel()).
            None => errors::set_last_error(i64::from(libc::ECANCELED)),
        }
        return false;
    }
}

/// How often a coroutine waiting for another process's connection to
/// catch up looks at the shared table again.
const REMOTE_FULL_POLL: std::time::Duration = std::time::Duration::from_millis(2);

/// Where connection `fd` lives for `send()`/`sendfile()`: Swoole warns
/// only for an fd that cannot be one (0 or less); a connection that is
/// gone is a quiet false with `SWOOLE_ERROR_SESSION_NOT_EXIST`.
fn send_target(rt: &runtime::Server, fd: i64) -> Option<Target> {
    if fd <= 0 {
        zend::warning_docref(&format!("invalid fd[{fd}]"));
        return None;
    }
    match push::locate(rt, fd) {
        Ok(target) => Some(target),
        Err(_) => {
            errors::set_last_error(errors::SESSION_NOT_EXIST);
            None
        }
    }
}

/// Where the websocket connection `fd` lives, or Swoole's warning and None.
pub(in crate::php) fn websocket_target(rt: &runtime::Server, fd: i64) -> Option<Target> {
    push::locate_websocket(rt, fd)
        .map_err(|m| warn_missing(fd, m))
        .ok()
}

fn warn_missing(fd: i64, missing: push::Missing) {
    match missing {
        push::Missing::NoSession => warn_no_session(fd),
        push::Missing::NotWebSocket => warn_not_websocket(fd),
    }
}

/// What `push()` was asked to send.
pub(super) enum PushData<'a> {
    /// A string: framed through the frame-once cache.
    Str {
        data: &'a Zval,
        opcode: i64,
        flags: i64,
    },
    /// A Frame object (or a non-string scalar turned into a spec).
    Spec(frame::FrameSpec),
}

pub(super) fn ws_push(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 4) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    // Argument errors come before any server or connection check. A
    // server never masks: the mask flag goes here, for every path below.
    let unmasked = |flags: i64| flags & !i64::from(FLAG_MASK);
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
                flags: unmasked(flags),
            }
        }
        None => match frame::spec_from_args(&args, 1, 2, 3) {
            Some(spec) => PushData::Spec(frame::FrameSpec {
                flags: unmasked(spec.flags),
                ..spec
            }),
            None => return,
        },
    };
    let Some((st, rt)) = running_runtime() else {
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
            let Some(frame) = frame else {
                rv.set_bool(false);
                return;
            };
            let attempt = || {
                let out = push::Outbound::Frame(&frame, payload);
                push::deliver(&rt, &target, fd, out, cluster::forward)
            };
            rv.set_bool(sent_yielding(&st, None, fd, attempt));
            return;
        }
    };
    // Compression depends on the connection's permessage-deflate
    // agreement.
    let agreement = conn.deflate();
    let bytes = match what {
        PushData::Str {
            data,
            opcode,
            flags,
        } => {
            let compress = agreement.is_some() && flags & i64::from(FLAG_COMPRESS) != 0;
            let payload = zend::str_bytes(data).unwrap_or_default();
            if let Some(sent) = push::push_large(&conn, opcode, flags, payload) {
                let mut first = Some(sent);
                let attempt = || match first.take() {
                    Some(r) => r,
                    // The same payload and agreement: it writes through
                    // again.
                    None => push::push_large(&conn, opcode, flags, payload)
                        .unwrap_or(Err(PushError::Send(SendError::Closed))),
                };
                rv.set_bool(sent_yielding(&st, Some(&conn), fd, attempt));
                return;
            }
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
        PushData::Spec(spec) => frame::encode_spec(&spec, Some(&conn)).map(Bytes::from),
    };
    match bytes {
        Some(bytes) => rv.set_bool(sent_yielding(&st, Some(&conn), fd, || {
            push::send_bytes(&conn, bytes.clone())
        })),
        None => rv.set_bool(false),
    }
}

/// `broadcast($data, $opcode = TEXT, $exclude = [])` (swoole-rs): frames
/// `$data` once and queues the same bytes to every established WebSocket
/// connection of the server (every worker's) except the `$exclude` fds.
pub(super) fn ws_broadcast(ex: &mut ExecuteData, rv: &mut Zval) {
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
    let Some(framed) = super::super::rooms::build_frame(opcode, data) else {
        rv.set_bool(false);
        return;
    };
    if !cluster::is_process_worker() {
        rt.broadcast(&framed, &exclude);
    }
    let elsewhere = cluster::broadcast_elsewhere(&framed, &exclude).unwrap_or(true);
    // Other nodes: everyone ($exclude names this node's fds only).
    let nodes =
        super::super::rooms::tell_other_nodes(&st, crate::protocol::bus::Target::Everyone, &framed);
    rv.set_bool(elsewhere && nodes);
}

pub(super) fn ws_ping(ex: &mut ExecuteData, rv: &mut Zval) {
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
    let Some(target) = websocket_target(&rt, fd) else {
        rv.set_bool(false);
        return;
    };
    // A control frame carries at most 125 bytes: the rest is cut, as Swoole
    // does. Through the one push path, so a connection another process
    // owns (every one, in a SWOOLE_PROCESS worker) is pinged too.
    let data = &data[..data.len().min(MAX_CONTROL_PAYLOAD)];
    let Some(frame) = frame::push_frame(i64::from(opcode::PING), i64::from(FLAG_FIN), None) else {
        rv.set_bool(false);
        return;
    };
    let out = push::Outbound::Frame(&frame, data);
    let sent = push::deliver(&rt, &target, fd, out, cluster::forward);
    rv.set_bool(push_result(fd, sent));
}

pub(super) fn ws_disconnect(ex: &mut ExecuteData, rv: &mut Zval) {
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
    let Some((st, rt)) = running_runtime() else {
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
            super::super::args::function_name(ex)
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
    close_here_first(&st, &rt, &target, fd);
    let out = push::Outbound::Disconnect(code as u16, &reason);
    let sent = push::deliver(&rt, &target, fd, out, cluster::forward);
    rv.set_bool(sent.is_ok());
}

/// SWOOLE_PROCESS: a worker's `close()`/`disconnect()` runs onClose (with
/// reactor id -1) inside the call, before the close goes to the master, as
/// Swoole does in the worker its events go to (any worker with the
/// dispatch modes that do not hash). With a `dispatch_func` the master
/// runs it and onClose arrives as the next event.
fn close_here_first(st: &Rc<ServerState>, rt: &runtime::Server, target: &Target, fd: i64) {
    if !matches!(target, Target::Remote(_)) || !cluster::is_process_worker() {
        return;
    }
    let has_dispatch_func = zend::get_prop(st.obj, "setting")
        .and_then(|z| z.array())
        .is_some_and(|a| a.get("dispatch_func").is_some());
    if has_dispatch_func {
        return;
    }
    let dispatch_mode = st.settings.borrow().dispatch_mode;
    if let Some(conn) = cluster::claim_close_here(rt, fd, dispatch_mode) {
        runtime::EventHandler::on_close(
            &crate::php::handler::PhpHandler::new(st.clone()),
            &conn,
            -1,
        );
    }
}

pub(super) fn ws_is_established(ex: &mut ExecuteData, rv: &mut Zval) {
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
pub(super) fn connection_exists(ex: &mut ExecuteData, rv: &mut Zval, max_args: usize) {
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
pub(super) fn exists_anywhere(rt: &runtime::Server, fd: i64) -> bool {
    match table_get(rt, fd) {
        Some(c) => !c.is_closing(),
        None => cluster::remote_session(fd).is_some(),
    }
}

pub(super) fn server_exist(ex: &mut ExecuteData, rv: &mut Zval) {
    connection_exists(ex, rv, 1);
}

pub(super) fn server_protect(ex: &mut ExecuteData, rv: &mut Zval) {
    connection_exists(ex, rv, 2);
}

pub(super) fn server_send(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 3) else {
        return;
    };
    let Some((st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    if args.get(0).is_some_and(|z| z.is_null()) {
        zend::warning_docref("fd can not be null");
        rv.set_bool(false);
        return;
    }
    let Some(data) = args.bytes(1, "send_data") else {
        return;
    };
    if data.is_empty() {
        zend::warning_docref("the data sent must not be empty");
        errors::set_last_error(errors::NO_PAYLOAD);
        rv.set_bool(false);
        return;
    }
    // A unix datagram peer's path (what onPacket's `address` gives): one
    // datagram from the server's unix datagram port, as Swoole's send().
    if let Some(path) = args
        .get(0)
        .and_then(|z| z.str())
        .filter(|p| p.starts_with('/'))
    {
        let server_socket = args.long_or(2, "serverSocket", -1).unwrap_or(-1);
        let unix = runtime::port::sock_type::UNIX_DGRAM;
        if let Some(fd) = datagram_port(&st, unix, server_socket) {
            let sent = runtime::port::send_datagram(fd, path, 0, &data);
            rv.set_bool(sent.is_ok_and(|n| n > 0));
            return;
        }
    }
    let Some(fd) = args.long(0, "fd") else { return };
    let Some(target) = send_target(&rt, fd) else {
        rv.set_bool(false);
        return;
    };
    match &target {
        Target::Local(conn) => {
            let data = Bytes::from(data);
            let attempt = || push::send_bytes(conn, data.clone());
            rv.set_bool(sent_yielding(&st, Some(conn), fd, attempt));
        }
        Target::Remote(_) => {
            let mut data = Some(data);
            let attempt = || {
                let out = push::Outbound::Bytes(data.take().unwrap_or_default());
                push::deliver(&rt, &target, fd, out, cluster::forward)
            };
            rv.set_bool(sent_yielding(&st, None, fd, attempt));
        }
    }
}

pub(super) fn server_sendfile(ex: &mut ExecuteData, rv: &mut Zval) {
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
    let Some(target) = send_target(&rt, fd) else {
        rv.set_bool(false);
        return;
    };
    match runtime::file_range(&path, offset, length) {
        // Through the one push path: a connection another process owns
        // (every one, in a SWOOLE_PROCESS worker) gets the bytes too.
        Ok(content) => {
            let out = push::Outbound::Bytes(content);
            let sent = push::deliver(&rt, &target, fd, out, cluster::forward);
            rv.set_bool(push_result(fd, sent));
        }
        Err(e) => {
            zend::warning_docref(&format!("file[{path}] not found: {e}"));
            rv.set_bool(false);
        }
    }
}

pub(super) fn server_close(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    let Some(reset) = args.bool_or(1, "reset", false) else {
        return;
    };
    let Some((st, rt)) = running_runtime() else {
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
    close_here_first(&st, &rt, &target, fd);
    let out = if reset {
        push::Outbound::Reset
    } else {
        push::Outbound::Close
    };
    let sent = push::deliver(&rt, &target, fd, out, cluster::forward);
    rv.set_bool(sent.is_ok());
}

/// The datagram port a datagram goes out of: the one whose socket is
/// `server_socket`, else the first of socket type `kind`.
fn datagram_port(st: &ServerState, kind: i64, server_socket: i64) -> Option<i32> {
    let ports = st.ports.borrow();
    let found = if server_socket >= 0 {
        ports
            .iter()
            .find(|p| i64::from(p.server_fd) == server_socket && p.datagram)
    } else {
        ports.iter().find(|p| p.sock_type & 0xff == kind)
    };
    found.map(|p| p.server_fd)
}

/// `sendto($ip, $port, $data, $server_socket = -1)`: one datagram from a
/// UDP or unix datagram port: the one whose socket is `$server_socket`,
/// else the first of the address's kind (a path: unix; a `:`: UDP6).
/// Any process may send: every one holds the port sockets.
pub(super) fn server_sendto(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 3, 4) else {
        return;
    };
    let (Some(ip), Some(port), Some(data), Some(server_socket)) = (
        args.string(0, "ip"),
        args.long(1, "port"),
        args.bytes(2, "send_data"),
        args.long_or(3, "server_socket", -1),
    ) else {
        return;
    };
    let Some((st, _rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    if data.is_empty() {
        zend::warning_docref("the data sent must not be empty");
        errors::set_last_error(errors::NO_PAYLOAD);
        rv.set_bool(false);
        return;
    }
    use runtime::port::sock_type;
    let (kind, name) = if ip.starts_with('/') {
        (sock_type::UNIX_DGRAM, "UnixDgram")
    } else if ip.contains(':') {
        (sock_type::UDP6, "UDP6")
    } else {
        (sock_type::UDP, "UDP")
    };
    let Some(fd) = datagram_port(&st, kind, server_socket) else {
        zend::warning_docref(&format!(
            "{name} listener has to be added before executing sendto"
        ));
        rv.set_bool(false);
        return;
    };
    let port = u16::try_from(port).unwrap_or(0);
    match runtime::port::send_datagram(fd, &ip, port, &data) {
        Ok(_) => rv.set_bool(true),
        Err(e) => {
            let errno = e.raw_os_error().unwrap_or(0);
            zend::warning_docref(&format!(
                "sendto to {ip}:{port} failed, Error: {}[{errno}]",
                errors::os_error_text(errno)
            ));
            errors::set_last_error(i64::from(errno));
            rv.set_bool(false);
        }
    }
}

/// `bind($fd, $uid)`: the connection's uid for `dispatch_mode` 5, set
/// once (false when it has one, or there is no such connection). Swoole
/// keeps it as an unsigned 32-bit number.
pub(super) fn server_bind(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let (Some(fd), Some(uid)) = (args.long(0, "fd"), args.long(1, "uid")) else {
        return;
    };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    if uid > i64::from(u32::MAX) || uid < i64::from(i32::MIN) {
        zend::warning_docref(&format!(
            "uid can not be greater than {} or less than {}",
            u32::MAX,
            i32::MIN
        ));
        rv.set_bool(false);
        return;
    }
    let uid = uid as u32;
    let bound = match push::locate(&rt, fd) {
        Ok(Target::Local(conn)) => conn.bind_uid(uid),
        Ok(Target::Remote(_)) => cluster::bind_remote(fd, uid),
        Err(_) => false,
    };
    rv.set_bool(bound);
}

/// `pause($fd)` / `resume($fd)`: stop or restart reading a connection,
/// wherever it is served.
fn pause_or_resume(ex: &mut ExecuteData, rv: &mut Zval, paused: bool) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    let Some((_st, rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    // No warning for a connection that is not open: Swoole only sets the
    // last error.
    let Ok(target) = push::locate(&rt, fd) else {
        errors::set_last_error(errors::SESSION_NOT_EXIST);
        rv.set_bool(false);
        return;
    };
    let done = push::deliver(
        &rt,
        &target,
        fd,
        push::Outbound::Pause(paused),
        cluster::forward,
    );
    rv.set_bool(push_result(fd, done));
}

pub(super) fn server_pause(ex: &mut ExecuteData, rv: &mut Zval) {
    pause_or_resume(ex, rv, true);
}

pub(super) fn server_resume(ex: &mut ExecuteData, rv: &mut Zval) {
    pause_or_resume(ex, rv, false);
}
