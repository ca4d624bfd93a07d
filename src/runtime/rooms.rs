//! Rooms: named sets of WebSocket connections (`$server->join()`, `leave()`,
//! `publish()`, `rooms()`, `members()`), shared by every worker of a node.
//!
//! Any worker may put any connection of the node in a room, and a publish
//! from any worker reaches members owned by all of them, so the memberships
//! live in shared memory mapped before the workers are forked, like the
//! connection table. Unlike the connection table they need more than
//! atomics (a membership is in two lists at once), so one process-shared,
//! robust mutex guards them; every operation holds it for a few list steps.
//!
//! Layout: fixed arrays of room slots and membership slots, allocated by a
//! high-water mark and recycled through free lists (so only the pages ever
//! used cost memory), and two hash tables of chain heads: room name → room
//! slot, session id → its memberships. Each membership is on its room's
//! doubly linked list and its session's bucket list, so join, leave and
//! "leave every room on close" are O(1) plus a short chain walk. Indices are
//! 1-based (0 ends a list). Walks are bounded by the capacity, so lists left
//! inconsistent by a process killed mid-update cannot hang the others.

use super::connection::SessionId;
use super::shared::{map_shared, RobustMutex};
use crate::protocol::bus::MAX_ROOM_NAME;

/// Why a join was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomError {
    /// The room name is empty or longer than [`MAX_ROOM_NAME`] bytes.
    BadName,
    /// `room_capacity` memberships exist already.
    Full,
}

impl std::fmt::Display for RoomError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RoomError::BadName => write!(f, "room name must be 1 to {MAX_ROOM_NAME} bytes"),
            RoomError::Full => write!(f, "room_capacity reached"),
        }
    }
}

#[repr(C)]
struct Header {
    lock: libc::pthread_mutex_t,
    counts: Counts,
}

/// The header's fields other than the lock (borrowed mutably under it).
#[repr(C)]
struct Counts {
    rooms: u32,
    members: u32,
    room_high_water: u32,
    member_high_water: u32,
    room_free: u32,
    member_free: u32,
}

#[repr(C)]
struct RoomSlot {
    /// Next room in the same name bucket, or in the free list.
    next: u32,
    /// First membership of this room.
    head: u32,
    count: u32,
    name_len: u32,
    name: [u8; MAX_ROOM_NAME],
}

#[repr(C)]
struct Member {
    session: SessionId,
    room: u32,
    room_prev: u32,
    /// Next membership of the same room, or in the free list.
    room_next: u32,
    sess_prev: u32,
    sess_next: u32,
}

/// Every room of a node; lives (mapped) until the process exits.
pub struct RoomMap {
    mutex: RobustMutex,
    base: *mut u8,
    cap: u32,
    mask: u32,
    room_buckets: usize,
    sess_buckets: usize,
    rooms: usize,
    members: usize,
}

// SAFETY: everything is in a shared mapping that is never unmapped, and is
// only touched with the process-shared mutex held.
unsafe impl Send for RoomMap {}
// SAFETY: as for Send, above.
unsafe impl Sync for RoomMap {}

/// The arrays, borrowed while the lock is held.
struct View<'a> {
    header: &'a mut Counts,
    room_buckets: &'a mut [u32],
    sess_buckets: &'a mut [u32],
    /// Index 0 is unused (1-based).
    rooms: &'a mut [RoomSlot],
    members: &'a mut [Member],
    mask: u32,
}

fn name_hash(name: &[u8]) -> u32 {
    let h = name.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (h ^ (h >> 32)) as u32
}

fn session_hash(session: SessionId) -> u32 {
    ((session as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as u32
}

impl RoomMap {
    /// Maps a room table for up to `capacity` memberships (and as many rooms).
    pub fn new(capacity: usize) -> std::io::Result<&'static RoomMap> {
        let cap = u32::try_from(capacity.clamp(16, 1 << 24))
            .map_err(|_| std::io::Error::other("room capacity too large"))?;
        let buckets = cap.next_power_of_two();
        let align = |n: usize| n.next_multiple_of(64);
        let room_buckets = align(std::mem::size_of::<Header>());
        let sess_buckets = room_buckets + align(buckets as usize * 4);
        let rooms = sess_buckets + align(buckets as usize * 4);
        let members = rooms + align((cap as usize + 1) * std::mem::size_of::<RoomSlot>());
        let len = members + (cap as usize + 1) * std::mem::size_of::<Member>();
        let base = map_shared(len)?;
        // SAFETY: the header's zeroed mutex in a fresh mapping no one else
        // sees yet, never unmapped (the map is leaked below).
        let mutex =
            unsafe { RobustMutex::init(std::ptr::addr_of_mut!((*base.cast::<Header>()).lock)) };
        Ok(Box::leak(Box::new(RoomMap {
            mutex,
            base,
            cap,
            mask: buckets - 1,
            room_buckets,
            sess_buckets,
            rooms,
            members,
        })))
    }

    /// Runs `f` on the arrays with the lock held.
    fn with<R>(&self, f: impl FnOnce(&mut View) -> R) -> R {
        let _guard = self.mutex.lock();
        let n = self.mask as usize + 1;
        let cap = self.cap as usize + 1;
        // SAFETY: the offsets and lengths were laid out in new() inside the
        // mapping; the lock makes this thread the only one touching them
        // until the guard drops, after `f` returns.
        let mut view = unsafe {
            View {
                header: &mut *std::ptr::addr_of_mut!((*self.base.cast::<Header>()).counts),
                room_buckets: std::slice::from_raw_parts_mut(
                    self.base.add(self.room_buckets).cast(),
                    n,
                ),
                sess_buckets: std::slice::from_raw_parts_mut(
                    self.base.add(self.sess_buckets).cast(),
                    n,
                ),
                rooms: std::slice::from_raw_parts_mut(self.base.add(self.rooms).cast(), cap),
                members: std::slice::from_raw_parts_mut(self.base.add(self.members).cast(), cap),
                mask: self.mask,
            }
        };
        f(&mut view)
    }

    /// Puts `session` in `room`: Ok(true) when it joined, Ok(false) when it
    /// was a member already.
    pub fn join(&self, session: SessionId, room: &[u8]) -> Result<bool, RoomError> {
        self.join_if(session, room, || true)
            .map(|joined| joined.unwrap_or(false))
    }

    /// As [`join`](Self::join), but only if `alive()` (called with the lock
    /// held) says the connection is still open: Ok(None) when it is not. The
    /// owner of a connection removes it from the connection table before it
    /// calls [`leave_all`](Self::leave_all), so a join racing with the close
    /// either sees it gone or is undone by leave_all.
    pub fn join_if(
        &self,
        session: SessionId,
        room: &[u8],
        alive: impl FnOnce() -> bool,
    ) -> Result<Option<bool>, RoomError> {
        if room.is_empty() || room.len() > MAX_ROOM_NAME {
            return Err(RoomError::BadName);
        }
        self.with(|v| {
            if !alive() {
                return Ok(None);
            }
            let (r, created) = match v.find_room(room) {
                0 => (v.new_room(room).ok_or(RoomError::Full)?, true),
                r => (r, false),
            };
            if v.find_member(session, r) != 0 {
                return Ok(Some(false));
            }
            let Some(m) = v.alloc_member() else {
                if created {
                    v.free_room(r);
                }
                return Err(RoomError::Full);
            };
            v.link_member(m, session, r);
            Ok(Some(true))
        })
    }

    /// Takes `session` out of `room`; false when it was not a member.
    pub fn leave(&self, session: SessionId, room: &[u8]) -> bool {
        self.with(|v| {
            let r = v.find_room(room);
            if r == 0 {
                return false;
            }
            match v.find_member(session, r) {
                0 => false,
                m => {
                    v.unlink_member(m);
                    true
                }
            }
        })
    }

    /// Takes `session` out of every room (its connection closed); how many.
    pub fn leave_all(&self, session: SessionId) -> usize {
        self.with(|v| {
            let found = v.memberships(session);
            for &m in &found {
                v.unlink_member(m);
            }
            found.len()
        })
    }

    /// The rooms `session` is in, in the order it joined them.
    pub fn rooms_of(&self, session: SessionId) -> Vec<Vec<u8>> {
        self.with(|v| {
            let mut found = v.memberships(session);
            found.reverse();
            found
                .into_iter()
                .filter_map(|m| {
                    let r = v.members.get(m as usize)?.room;
                    v.rooms.get(r as usize).map(|slot| slot.name().to_vec())
                })
                .collect()
        })
    }

    /// The members of `room`, in the order they joined.
    pub fn members(&self, room: &[u8]) -> Vec<SessionId> {
        self.with(|v| {
            let r = v.find_room(room);
            if r == 0 {
                return Vec::new();
            }
            let mut out = Vec::new();
            let mut m = v.rooms[r as usize].head;
            let mut steps = 0usize;
            while let Some(member) = v.members.get(m as usize).filter(|_| m != 0) {
                out.push(member.session);
                m = member.room_next;
                steps += 1;
                if steps > v.members.len() {
                    break;
                }
            }
            out.reverse();
            out
        })
    }

    /// How many rooms and memberships exist.
    pub fn counts(&self) -> (usize, usize) {
        self.with(|v| (v.header.rooms as usize, v.header.members as usize))
    }

    /// The most memberships (and rooms) this map holds.
    pub fn capacity(&self) -> usize {
        self.cap as usize
    }
}

impl RoomSlot {
    fn name(&self) -> &[u8] {
        &self.name[..(self.name_len as usize).min(MAX_ROOM_NAME)]
    }
}

impl View<'_> {
    /// Membership `m` (1-based), or None for 0 (end of a list) and out of range.
    fn member_mut(&mut self, m: u32) -> Option<&mut Member> {
        self.members.get_mut(m as usize).filter(|_| m != 0)
    }

    /// Bounded walk: at most as many steps as there are slots.
    fn limit(&self) -> usize {
        self.members.len().max(self.rooms.len())
    }

    fn find_room(&self, name: &[u8]) -> u32 {
        let mut r = self.room_buckets[(name_hash(name) & self.mask) as usize];
        for _ in 0..self.limit() {
            match self.rooms.get(r as usize) {
                Some(slot) if r != 0 => {
                    if slot.name() == name {
                        return r;
                    }
                    r = slot.next;
                }
                _ => return 0,
            }
        }
        0
    }

    fn new_room(&mut self, name: &[u8]) -> Option<u32> {
        let r = if self.header.room_free != 0 {
            let r = self.header.room_free;
            self.header.room_free = self.rooms.get(r as usize).map_or(0, |s| s.next);
            r
        } else if (self.header.room_high_water as usize) + 1 < self.rooms.len() {
            self.header.room_high_water += 1;
            self.header.room_high_water
        } else {
            return None;
        };
        let bucket = (name_hash(name) & self.mask) as usize;
        let slot = self.rooms.get_mut(r as usize)?;
        slot.name[..name.len()].copy_from_slice(name);
        slot.name_len = name.len() as u32;
        slot.head = 0;
        slot.count = 0;
        slot.next = self.room_buckets[bucket];
        self.room_buckets[bucket] = r;
        self.header.rooms += 1;
        Some(r)
    }

    fn free_room(&mut self, r: u32) {
        let Some(slot) = self.rooms.get(r as usize) else {
            return;
        };
        let bucket = (name_hash(slot.name()) & self.mask) as usize;
        let next = slot.next;
        // Unlink from the bucket's (singly linked, short) chain.
        if self.room_buckets[bucket] == r {
            self.room_buckets[bucket] = next;
        } else {
            let mut at = self.room_buckets[bucket];
            for _ in 0..self.limit() {
                let Some(s) = self.rooms.get_mut(at as usize).filter(|_| at != 0) else {
                    break;
                };
                if s.next == r {
                    s.next = next;
                    break;
                }
                at = s.next;
            }
        }
        let free = self.header.room_free;
        if let Some(slot) = self.rooms.get_mut(r as usize) {
            slot.name_len = 0;
            slot.head = 0;
            slot.count = 0;
            slot.next = free;
        }
        self.header.room_free = r;
        self.header.rooms = self.header.rooms.saturating_sub(1);
    }

    fn alloc_member(&mut self) -> Option<u32> {
        if self.header.member_free != 0 {
            let m = self.header.member_free;
            self.header.member_free = self.members.get(m as usize).map_or(0, |s| s.room_next);
            Some(m)
        } else if (self.header.member_high_water as usize) + 1 < self.members.len() {
            self.header.member_high_water += 1;
            Some(self.header.member_high_water)
        } else {
            None
        }
    }

    /// Every membership of `session` (most recent first).
    fn memberships(&self, session: SessionId) -> Vec<u32> {
        let mut out = Vec::new();
        let mut m = self.sess_buckets[(session_hash(session) & self.mask) as usize];
        for _ in 0..self.limit() {
            let Some(member) = self.members.get(m as usize).filter(|_| m != 0) else {
                break;
            };
            if member.session == session {
                out.push(m);
            }
            m = member.sess_next;
        }
        out
    }

    fn find_member(&self, session: SessionId, room: u32) -> u32 {
        self.memberships(session)
            .into_iter()
            .find(|&m| self.members[m as usize].room == room)
            .unwrap_or(0)
    }

    fn link_member(&mut self, m: u32, session: SessionId, r: u32) {
        let bucket = (session_hash(session) & self.mask) as usize;
        let room_head = self.rooms[r as usize].head;
        let sess_head = self.sess_buckets[bucket];
        self.members[m as usize] = Member {
            session,
            room: r,
            room_prev: 0,
            room_next: room_head,
            sess_prev: 0,
            sess_next: sess_head,
        };
        if let Some(h) = self.member_mut(room_head) {
            h.room_prev = m;
        }
        if let Some(h) = self.member_mut(sess_head) {
            h.sess_prev = m;
        }
        self.rooms[r as usize].head = m;
        self.rooms[r as usize].count += 1;
        self.sess_buckets[bucket] = m;
        self.header.members += 1;
    }

    fn unlink_member(&mut self, m: u32) {
        let Some(member) = self.members.get(m as usize) else {
            return;
        };
        let (session, r) = (member.session, member.room);
        let (room_prev, room_next) = (member.room_prev, member.room_next);
        let (sess_prev, sess_next) = (member.sess_prev, member.sess_next);
        let bucket = (session_hash(session) & self.mask) as usize;
        match self.member_mut(room_prev) {
            Some(p) => p.room_next = room_next,
            None => {
                if let Some(room) = self.rooms.get_mut(r as usize) {
                    room.head = room_next;
                }
            }
        }
        if let Some(n) = self.member_mut(room_next) {
            n.room_prev = room_prev;
        }
        match self.member_mut(sess_prev) {
            Some(p) => p.sess_next = sess_next,
            None => self.sess_buckets[bucket] = sess_next,
        }
        if let Some(n) = self.member_mut(sess_next) {
            n.sess_prev = sess_prev;
        }
        let free = self.header.member_free;
        self.members[m as usize] = Member {
            session: 0,
            room: 0,
            room_prev: 0,
            room_next: free,
            sess_prev: 0,
            sess_next: 0,
        };
        self.header.member_free = m;
        self.header.members = self.header.members.saturating_sub(1);
        let empty = match self.rooms.get_mut(r as usize) {
            Some(room) => {
                room.count = room.count.saturating_sub(1);
                room.count == 0
            }
            None => false,
        };
        if empty {
            self.free_room(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_leave_and_listing() {
        let map = RoomMap::new(64).unwrap();
        assert_eq!(map.join(1, b"lobby"), Ok(true));
        assert_eq!(map.join(2, b"lobby"), Ok(true));
        assert_eq!(
            map.join(1, b"lobby"),
            Ok(false),
            "joining twice is one membership"
        );
        assert_eq!(map.join(1, b"games"), Ok(true));
        assert_eq!(map.members(b"lobby"), vec![1, 2]);
        assert_eq!(map.rooms_of(1), vec![b"lobby".to_vec(), b"games".to_vec()]);
        assert_eq!(map.counts(), (2, 3));
        assert!(map.leave(1, b"lobby"));
        assert!(!map.leave(1, b"lobby"));
        assert!(!map.leave(3, b"nowhere"));
        assert_eq!(map.members(b"lobby"), vec![2]);
        assert_eq!(map.leave_all(1), 1);
        assert_eq!(map.rooms_of(1), Vec::<Vec<u8>>::new());
        assert_eq!(map.members(b"games"), Vec::<SessionId>::new());
        assert_eq!(map.counts(), (1, 1), "an empty room disappears");
    }

    #[test]
    fn names_are_checked() {
        let map = RoomMap::new(16).unwrap();
        assert_eq!(map.join(1, b""), Err(RoomError::BadName));
        assert_eq!(
            map.join(1, &[b'x'; MAX_ROOM_NAME + 1]),
            Err(RoomError::BadName)
        );
        assert_eq!(map.join(1, &[b'x'; MAX_ROOM_NAME]), Ok(true));
        assert_eq!(map.rooms_of(1), vec![vec![b'x'; MAX_ROOM_NAME]]);
        assert_eq!(map.join(1, b"\0binary\xff"), Ok(true));
        assert_eq!(map.members(b"\0binary\xff"), vec![1]);
    }

    #[test]
    fn capacity_is_enforced_and_recycled() {
        let map = RoomMap::new(16).unwrap();
        for s in 1..=16 {
            assert_eq!(map.join(s, b"r"), Ok(true), "{s}");
        }
        assert_eq!(map.join(17, b"r"), Err(RoomError::Full));
        assert_eq!(map.join(17, b"other"), Err(RoomError::Full));
        assert_eq!(map.counts(), (1, 16), "a refused join leaves no empty room");
        assert_eq!(map.leave_all(3), 1);
        assert_eq!(map.join(17, b"other"), Ok(true));
        for s in 1..=17 {
            map.leave_all(s);
        }
        assert_eq!(map.counts(), (0, 0));
        // Everything freed is usable again, many times over.
        for round in 0..50 {
            for s in 1..=16 {
                let room = format!("room{}", (s + round) % 5);
                assert_eq!(map.join(s, room.as_bytes()), Ok(true));
            }
            for s in 1..=16 {
                assert_eq!(map.leave_all(s), 1);
            }
        }
        assert_eq!(map.counts(), (0, 0));
    }

    #[test]
    fn many_sessions_share_buckets() {
        // More sessions and rooms than buckets: chains are walked and kept right.
        let map = RoomMap::new(4096).unwrap();
        for s in 1..=1000i64 {
            for r in 0..3 {
                map.join(s, format!("r{}", (s + r) % 7).as_bytes()).unwrap();
            }
        }
        for s in (1..=1000i64).step_by(2) {
            assert_eq!(map.leave_all(s), 3);
        }
        let total: usize = (0..7)
            .map(|r| map.members(format!("r{r}").as_bytes()).len())
            .sum();
        assert_eq!(total, 1500);
        for r in 0..7 {
            assert!(map
                .members(format!("r{r}").as_bytes())
                .iter()
                .all(|s| s % 2 == 0));
        }
        assert_eq!(map.rooms_of(2).len(), 3);
    }

    #[test]
    fn join_if_refuses_a_closed_connection() {
        let map = RoomMap::new(16).unwrap();
        assert_eq!(map.join_if(5, b"r", || false), Ok(None));
        assert_eq!(map.counts(), (0, 0));
        assert_eq!(map.join_if(5, b"r", || true), Ok(Some(true)));
    }

    #[test]
    fn shared_with_a_forked_process() {
        let map = RoomMap::new(64).unwrap();
        map.join(1, b"before").unwrap();
        // SAFETY: the child only touches the shared map and _exits.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let ok = map.members(b"before") == vec![1] && map.join(2, b"child") == Ok(true);
            // SAFETY: leaving the forked test process without unwinding.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waiting for our child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert_eq!(libc::WEXITSTATUS(status), 0);
        assert_eq!(map.members(b"child"), vec![2]);
    }
}
