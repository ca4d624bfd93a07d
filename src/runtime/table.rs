//! The connection table: every open connection by session id.
//!
//! Borrowed only for the length of a lookup, never across a PHP callback, so
//! a callback may push to, close or list any connection (including the one
//! whose event it is handling).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use super::connection::{Connection, SessionId};
use super::rooms::RoomMap;
use super::shared::SharedTable;

/// Hashes a session id with one multiplication: ids are small, sequential
/// integers chosen by us, not by a peer, so SipHash's flood resistance buys
/// nothing and costs ~100 instructions a lookup.
#[derive(Default)]
struct SessionIdHasher(u64);

impl Hasher for SessionIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_i64(&mut self, id: i64) {
        // An odd multiplier: distinct ids keep distinct low bits (the
        // bucket) and the high bits (hashbrown's tag) are well mixed.
        self.0 = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[derive(Default)]
pub struct ConnectionTable {
    /// In session id order: listing and iteration.
    conns: RefCell<BTreeMap<SessionId, Rc<Connection>>>,
    /// The same connections, hashed: lookups by fd (a tree walk took ~200
    /// instructions per `push()` / `isEstablished()` with 1,000
    /// connections; this costs ~28 bytes a connection).
    by_id: RefCell<HashMap<SessionId, Rc<Connection>, BuildHasherDefault<SessionIdHasher>>>,
    last_id: Cell<SessionId>,
    /// With several workers: the table every process sees, and this
    /// process's worker id (the owner recorded for its connections).
    shared: Option<(&'static SharedTable, u32)>,
    accepted_total: Cell<u64>,
    closed_total: Cell<u64>,
    /// The node's rooms, when this table's connections are real (not a
    /// SWOOLE_PROCESS worker's mirrors): a closed connection leaves them.
    rooms: Cell<Option<&'static RoomMap>>,
}

impl ConnectionTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// A table whose connections are also published in `shared`, owned by
    /// worker `worker`.
    pub fn with_shared(shared: &'static SharedTable, worker: u32) -> Self {
        ConnectionTable {
            shared: Some((shared, worker)),
            ..Self::default()
        }
    }

    /// Makes connections leave their rooms when they are removed.
    pub fn set_rooms(&self, rooms: &'static RoomMap) {
        self.rooms.set(Some(rooms));
    }

    /// The shared table, when the server runs several workers.
    pub fn shared(&self) -> Option<&'static SharedTable> {
        self.shared.map(|(t, _)| t)
    }

    /// Session ids start after `start` (`start_session_id`; the shared
    /// table's ids are set where it is made).
    pub fn start_ids_after(&self, start: SessionId) {
        if self.shared.is_none() && self.last_id.get() < start {
            self.last_id.set(start);
        }
    }

    /// The next session id: ids grow from 1 and are never reused (across
    /// all workers when the table is shared).
    pub fn next_id(&self) -> SessionId {
        let id = match self.shared {
            Some((t, _)) => t.next_session_id(),
            None => self.last_id.get() + 1,
        };
        self.last_id.set(id);
        id
    }

    /// Adds a connection; false when the shared table is full (the caller
    /// refuses the connection).
    pub fn insert(&self, conn: Rc<Connection>) -> bool {
        if let Some((t, worker)) = self.shared {
            let info = conn.slot_info(worker);
            match t.insert(&info) {
                Some(idx) => conn.set_shared_slot(t, idx),
                None => return false,
            }
        }
        self.accepted_total.set(self.accepted_total.get() + 1);
        self.put(conn);
        true
    }

    fn put(&self, conn: Rc<Connection>) {
        self.by_id.borrow_mut().insert(conn.id, conn.clone());
        self.conns.borrow_mut().insert(conn.id, conn);
    }

    /// Adds a connection that another process serves and publishes (a
    /// SWOOLE_PROCESS worker's mirror of the master's connection).
    pub fn insert_mirror(&self, conn: Rc<Connection>) {
        self.put(conn);
    }

    pub fn remove(&self, id: SessionId) -> Option<Rc<Connection>> {
        let removed = self.conns.borrow_mut().remove(&id);
        self.by_id.borrow_mut().remove(&id);
        if let Some(conn) = &removed {
            self.closed_total.set(self.closed_total.get() + 1);
            if let Some((t, idx)) = conn.shared_slot() {
                t.remove(idx, id);
            }
            // After the shared table: a join racing with this close either
            // sees the connection gone or is undone here (RoomMap::join_if).
            if let Some(rooms) = self.rooms.get() {
                rooms.leave_all(id);
            }
        }
        removed
    }

    pub fn get(&self, id: SessionId) -> Option<Rc<Connection>> {
        self.by_id.borrow().get(&id).cloned()
    }

    pub fn len(&self) -> usize {
        self.conns.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.conns.borrow().is_empty()
    }

    /// Session ids in ascending order, `from` exclusive, at most `limit`,
    /// of the connections `listed` keeps: `connection_list($start_fd,
    /// $find_count)`. A page reads only as far as it needs.
    pub fn ids_after(
        &self,
        from: SessionId,
        limit: usize,
        listed: impl Fn(&Connection) -> bool,
    ) -> Vec<SessionId> {
        use std::ops::Bound::{Excluded, Unbounded};
        self.conns
            .borrow()
            .range((Excluded(from), Unbounded))
            .filter(|(_, c)| listed(c))
            .take(limit)
            .map(|(id, _)| *id)
            .collect()
    }

    /// A snapshot of every connection, for iteration that may close some.
    pub fn snapshot(&self) -> Vec<Rc<Connection>> {
        self.conns.borrow().values().cloned().collect()
    }

    pub fn accepted_total(&self) -> u64 {
        self.accepted_total.get()
    }

    pub fn closed_total(&self) -> u64 {
        self.closed_total.get()
    }

    pub fn last_id(&self) -> SessionId {
        self.last_id.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(id: SessionId) -> Rc<Connection> {
        let a = "127.0.0.1:1".parse().expect("addr");
        Rc::new(Connection::new(id, a, a, 0, 0, 100))
    }

    #[test]
    fn ids_start_at_one_and_are_not_reused() {
        let t = ConnectionTable::new();
        let a = t.next_id();
        t.insert(conn(a));
        t.remove(a);
        let b = t.next_id();
        assert_eq!((a, b), (1, 2));
    }

    #[test]
    fn lookups_see_inserts_removals_and_replaced_entries() {
        let t = ConnectionTable::new();
        let ids: Vec<SessionId> = (0..100).map(|_| t.next_id()).collect();
        for &id in &ids {
            t.insert(conn(id));
        }
        assert!(ids.iter().all(|&id| t.get(id).is_some_and(|c| c.id == id)));
        t.remove(ids[10]);
        assert!(t.get(ids[10]).is_none(), "a removed connection was found");
        assert!(t.get(0).is_none() && t.get(1000).is_none());
        // An entry replaced under the same id (a SWOOLE_PROCESS mirror) is
        // the one found.
        let fresh = conn(ids[20]);
        t.insert_mirror(fresh.clone());
        assert!(t.get(ids[20]).is_some_and(|c| Rc::ptr_eq(&c, &fresh)));
        assert_eq!(t.len(), 99);
    }

    #[test]
    fn ids_after_pages_in_order() {
        let t = ConnectionTable::new();
        for _ in 0..5 {
            let id = t.next_id();
            t.insert(conn(id));
        }
        t.remove(3);
        assert_eq!(t.ids_after(0, 10, |_| true), vec![1, 2, 4, 5]);
        assert_eq!(t.ids_after(0, 10, |c| c.id != 2), vec![1, 4, 5]);
        assert_eq!(t.ids_after(2, 1, |_| true), vec![4]);
        assert_eq!(t.len(), 4);
        assert_eq!(t.closed_total(), 1);
    }
}
