//! What a script asks about connections and processes: `connection_info`,
//! `connection_list`, `stats`, worker ids and pids, `heartbeat`.

use super::*;

pub(super) fn server_get_last_error(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    rv.set_long(errors::last_error());
}

pub(super) fn server_heartbeat(ex: &mut ExecuteData, rv: &mut Zval) {
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
pub(super) fn connection_info(rt: &runtime::Server, conn: &Connection) -> Zval {
    let _ = rt;
    info_array(&conn.slot_info(0), conn.queued_bytes())
}

/// The array for a connection described by `info` (local, or another
/// worker's from the shared table).
pub(super) fn info_array(info: &SlotInfo, send_queued: usize) -> Zval {
    let mut a = ZendHashTable::new();
    let st = state::current();
    // Swoole shows the uid once bound, or always with dispatch_mode 5.
    let uid_mode = st
        .as_ref()
        .is_some_and(|st| st.settings.borrow().dispatch_mode == 5);
    if info.uid > 0 || uid_mode {
        let _ = a.insert("uid", zlong(i64::from(info.uid)));
    }
    // Only a WebSocket port's connections have a WebSocket status.
    if st
        .as_ref()
        .is_some_and(|st| st.websocket_port(info.server_fd))
    {
        let _ = a.insert("websocket_status", zlong(i64::from(info.ws_status)));
    }
    let port_type = st.as_ref().and_then(|st| st.port_sock_type(info.server_fd));
    let unix = port_type == Some(runtime::port::sock_type::UNIX_STREAM);
    let _ = a.insert("server_port", zlong(i64::from(info.local.port())));
    let _ = a.insert("server_fd", zlong(i64::from(info.server_fd)));
    let _ = a.insert("socket_fd", zlong(i64::from(info.socket_fd)));
    let socket_type = match port_type {
        Some(t) if unix => t,
        _ if info.peer.is_ipv6() => runtime::port::sock_type::TCP6,
        _ => runtime::port::sock_type::TCP,
    };
    let _ = a.insert("socket_type", zlong(socket_type));
    let _ = a.insert("remote_port", zlong(i64::from(info.peer.port())));
    // A unix client has no address (Swoole shows its empty path).
    let remote_ip = if unix {
        String::new()
    } else {
        info.peer.ip().to_string()
    };
    let _ = a.insert("remote_ip", zstr(remote_ip));
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
pub(super) fn info_anywhere(rt: &runtime::Server, fd: i64) -> Option<Zval> {
    match table_get(rt, fd) {
        Some(conn) => Some(connection_info(rt, &conn)),
        None => cluster::remote_session(fd)
            .map(|info| info_array(&info, 0))
            // A SWOOLE_PROCESS worker's onClose after the peer left: the
            // master has let the session go; the worker's mirror of it
            // still describes it until onClose returns.
            .or_else(|| rt.table.get(fd).map(|conn| connection_info(rt, &conn))),
    }
}

pub(super) fn server_connection_info(ex: &mut ExecuteData, rv: &mut Zval) {
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

pub(super) fn server_connection_list(ex: &mut ExecuteData, rv: &mut Zval) {
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
    // Neither closing connections nor the one whose onClose runs are
    // listed, as in Swoole.
    let listed = |id: i64| !super::iterator::is_in_on_close(id);
    let ids: Vec<i64> = match cluster::all_sessions() {
        Some(all) => all
            .into_iter()
            .filter(|&id| id > start && listed(id))
            .take(count.max(0) as usize)
            .collect(),
        None => rt.table.ids_after(start, count.max(0) as usize, |c| {
            !c.is_closing() && listed(c.id)
        }),
    };
    let mut a = ZendHashTable::new();
    for id in ids {
        let _ = a.push(zlong(id));
    }
    *rv = zarray(a);
}

pub(super) fn server_get_worker_id(ex: &mut ExecuteData, rv: &mut Zval) {
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

pub(super) fn server_get_worker_pid(ex: &mut ExecuteData, rv: &mut Zval) {
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

pub(super) fn server_get_worker_status(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(id) = args.long_or(0, "worker_id", -1) else {
        return;
    };
    // The caller is running PHP code: busy, or exiting once its server
    // stops (onWorkerExit).
    let own = || {
        let stopping = state::current()
            .and_then(|s| s.runtime())
            .is_some_and(|rt| rt.is_stopping());
        i64::from(if stopping {
            cluster::WORKER_EXIT
        } else {
            cluster::WORKER_BUSY
        })
    };
    if let Some(c) = cluster::cluster() {
        let me = c.worker_id.get();
        let id = if id == -1 { me } else { id };
        match usize::try_from(id) {
            Ok(_) if id == me => rv.set_long(own()),
            Ok(i) if i < c.total() => rv.set_long(i64::from(c.shared.worker_status(i))),
            _ => rv.set_bool(false),
        }
        return;
    }
    if in_worker() {
        rv.set_long(own());
    } else {
        rv.set_bool(false);
    }
}

pub(super) fn server_get_manager_pid(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    rv.set_long(cluster::cluster().map_or(0, |c| i64::from(c.shared.manager_pid())));
}

pub(super) fn server_get_master_pid(ex: &mut ExecuteData, rv: &mut Zval) {
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

pub(super) fn server_stats(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    let mut a = ZendHashTable::new();
    let st = state::current();
    let rt = st.as_ref().and_then(|s| s.runtime());
    let (start, conns, accepted, closed) = match &rt {
        Some(rt) => (
            rt.start_time as i64,
            rt.table.len() as i64,
            rt.table.accepted_total() as i64,
            rt.table.closed_total() as i64,
        ),
        None => (0, 0, 0, 0),
    };
    let c = cluster::cluster();
    let long = |n: usize| zlong(n as i64);
    // Swoole's workers: event, task, addProcess(); idle = not busy now (the
    // caller is busy: it is running this).
    let (workers, tasks, users) = match &c {
        Some(c) => (c.event_workers, c.task_workers, c.user_processes),
        None => (
            1,
            0,
            st.as_ref().map_or(0, |s| s.user_processes.borrow().len()),
        ),
    };
    let me = c.as_ref().map_or(0, |c| c.worker_id.get());
    let idle_among = |ids: std::ops::Range<usize>| match &c {
        Some(c) => ids
            .filter(|&i| i as i64 != me && c.shared.worker_status(i) != cluster::WORKER_BUSY)
            .count(),
        None => 0,
    };
    let served_all: u64 = match &c {
        Some(c) => (0..c.event_workers)
            .map(|i| c.shared.worker_requests(i))
            .sum(),
        None => super::super::workers::served_here(),
    };
    let served_here = super::super::workers::served_here() as i64;
    let _ = a.insert("start_time", zlong(start));
    let _ = a.insert("connection_num", zlong(conns));
    let _ = a.insert("abort_count", zlong(0));
    let _ = a.insert("accept_count", zlong(accepted));
    let _ = a.insert("close_count", zlong(closed));
    let _ = a.insert("worker_num", long(workers));
    let _ = a.insert("task_worker_num", long(tasks));
    let _ = a.insert("user_worker_num", long(users));
    let _ = a.insert("idle_worker_num", long(idle_among(0..workers)));
    let _ = a.insert("dispatch_count", zlong(served_all as i64));
    let _ = a.insert("request_count", zlong(served_all as i64));
    let _ = a.insert("response_count", zlong(served_all as i64));
    let _ = a.insert("total_recv_bytes", zlong(0));
    let _ = a.insert("total_send_bytes", zlong(0));
    let _ = a.insert("pipe_packet_msg_id", zlong(0));
    let concurrency = crate::php::http::concurrency::all();
    let _ = a.insert("concurrency", zlong(i64::from(concurrency)));
    let _ = a.insert(
        "session_round",
        zlong(rt.as_ref().map(|r| r.table.last_id()).unwrap_or(0)),
    );
    let _ = a.insert("min_fd", zlong(0));
    let _ = a.insert("max_fd", zlong(0));
    let _ = a.insert("worker_request_count", zlong(served_here));
    let _ = a.insert("worker_response_count", zlong(served_here));
    let _ = a.insert("worker_dispatch_count", zlong(served_here));
    let here = crate::php::http::concurrency::here();
    let _ = a.insert("worker_concurrency", zlong(i64::from(here)));
    if tasks > 0 {
        let _ = a.insert(
            "task_idle_worker_num",
            long(idle_among(workers..workers + tasks)),
        );
        let _ = a.insert("tasking_num", zlong(0));
        let _ = a.insert("task_count", zlong(0));
    }
    let _ = a.insert("coroutine_num", long(super::super::coroutine::count()));
    let _ = a.insert("coroutine_peek_num", long(super::super::coroutine::peak()));
    *rv = zarray(a);
}
