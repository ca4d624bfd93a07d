//! `Swoole\Connection\Iterator`'s methods (`$server->connections` called
//! by hand; `foreach` runs natively in `php::conn_iterator`).

use super::*;

// ---- Swoole\Connection\Iterator ---------------------------------------------

/// One iterator object's walk: the ids snapshotted at rewind and the
/// position. A snapshot keeps `foreach` stable while callbacks in the loop
/// close connections.
pub(super) struct IteratorWalk {
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
pub(super) fn with_walk<R>(handle: u32, f: impl FnOnce(&mut IteratorWalk) -> R) -> Option<R> {
    ITERATORS.with(|m| {
        m.borrow_mut()
            .iter_mut()
            .find(|w| w.handle == handle)
            .map(f)
    })
}

pub(super) fn iter_handle(ex: &mut ExecuteData) -> u32 {
    // SAFETY: $this is a live object.
    this(ex).map(|o| unsafe { (*o).handle }).unwrap_or(0)
}

thread_local! {
    /// The iterators of `$port->connections`, by object handle, with their
    /// port's socket: they walk that port's connections only
    /// (`$server->connections` walks them all).
    static PORT_ITERATORS: RefCell<Vec<(u32, i32)>> = const { RefCell::new(Vec::new()) };
}

/// Makes `$port->connections` (iterator `handle`) walk only the port whose
/// socket is `server_fd`.
pub(super) fn scope_to_port(handle: u32, server_fd: i32) {
    PORT_ITERATORS.with(|p| p.borrow_mut().push((handle, server_fd)));
}

thread_local! {
    /// The connection whose onClose runs now: Swoole no longer lists it
    /// (iteration, `getClientList()`) though `count()` still counts it.
    static IN_ON_CLOSE: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` (onClose of `fd`) with `fd` left out of the connection lists.
pub(in crate::php) fn while_closing<R>(fd: i64, f: impl FnOnce() -> R) -> R {
    let outer = IN_ON_CLOSE.with(|c| c.replace(Some(fd)));
    let r = f();
    IN_ON_CLOSE.with(|c| c.set(outer));
    r
}

/// Whether `fd` is the connection whose onClose runs now.
pub(in crate::php) fn is_in_on_close(fd: i64) -> bool {
    IN_ON_CLOSE.with(|c| c.get()) == Some(fd)
}

/// The open connections iterator `handle` walks, in order.
pub(in crate::php) fn live_ids(handle: u32) -> Vec<i64> {
    let mut ids = all_ids(handle);
    ids.retain(|&id| !is_in_on_close(id));
    ids
}

fn all_ids(handle: u32) -> Vec<i64> {
    let port = PORT_ITERATORS.with(|p| {
        p.borrow()
            .iter()
            .find(|(h, _)| *h == handle)
            .map(|(_, fd)| *fd)
    });
    if let Some(all) = cluster::all_sessions() {
        return match port {
            None => all,
            Some(fd) => all
                .into_iter()
                .filter(|&s| cluster::session_port(s) == Some(fd))
                .collect(),
        };
    }
    state::current()
        .and_then(|s| s.runtime())
        .map(|rt| {
            rt.table
                .snapshot()
                .iter()
                .filter(|c| !c.is_closing() && port.is_none_or(|fd| c.server_fd == fd))
                .map(|c| c.id)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn iter_rewind(ex: &mut ExecuteData, _rv: &mut Zval) {
    let h = iter_handle(ex);
    let mut ids = Some(live_ids(h));
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

pub(super) fn iter_next(ex: &mut ExecuteData, _rv: &mut Zval) {
    with_walk(iter_handle(ex), |w| w.pos += 1);
}

pub(super) fn iter_at(h: u32) -> Option<(i64, usize)> {
    with_walk(h, |w| w.ids.get(w.pos).map(|id| (*id, w.pos))).flatten()
}

pub(super) fn iter_current(ex: &mut ExecuteData, rv: &mut Zval) {
    let h = iter_handle(ex);
    match iter_at(h) {
        Some((id, _)) => rv.set_long(id),
        None => rv.set_null(),
    }
}

pub(super) fn iter_key(ex: &mut ExecuteData, rv: &mut Zval) {
    let h = iter_handle(ex);
    match iter_at(h) {
        // 1 for the first connection, as Swoole counts them.
        Some((_, pos)) => rv.set_long(pos as i64 + 1),
        None => rv.set_null(),
    }
}

pub(super) fn iter_valid(ex: &mut ExecuteData, rv: &mut Zval) {
    let h = iter_handle(ex);
    let valid = iter_at(h).is_some();
    if !valid {
        ITERATORS.with(|m| m.borrow_mut().retain(|w| w.handle != h));
    }
    rv.set_bool(valid);
}

pub(super) fn iter_count(ex: &mut ExecuteData, rv: &mut Zval) {
    let h = iter_handle(ex);
    // Swoole counts a connection until its onClose has returned.
    let ids = all_ids(h);
    let closing = IN_ON_CLOSE.with(|c| c.get()).filter(|fd| !ids.contains(fd));
    rv.set_long((ids.len() + usize::from(closing.is_some())) as i64);
}

pub(super) fn iter_offset_exists(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(fd) = args.long(0, "fd") else { return };
    let exists = state::current()
        .and_then(|s| s.runtime())
        .is_some_and(|rt| exists_anywhere(&rt, fd));
    rv.set_bool(exists);
}

pub(super) fn iter_offset_get(ex: &mut ExecuteData, rv: &mut Zval) {
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

pub(super) fn iter_offset_set(_ex: &mut ExecuteData, _rv: &mut Zval) {}

pub(super) fn iter_offset_unset(_ex: &mut ExecuteData, _rv: &mut Zval) {}
