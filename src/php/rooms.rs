//! Rooms and the cluster bus on `Swoole\WebSocket\Server` (swoole-rs
//! extensions): `join()`, `leave()`, `publish()`, `rooms()`, `members()`,
//! and the remote half of `broadcast()`.
//!
//! Thin: memberships are the node's [`RoomMap`](crate::runtime::rooms),
//! delivery is framed once and queued to the owners of the members (this
//! process, other workers, the master's reactors), and other nodes are told
//! through this process's bus publisher.

use std::collections::BTreeMap;

use bytes::Bytes;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::frame;
use super::server::{running_runtime, table_get, websocket_target};
use super::state::ServerState;
use super::zend::{self, zarray, zlong, zstr};
use crate::protocol::bus::{self, MAX_ROOM_NAME};
use crate::protocol::frame::opcode;
use crate::protocol::pack::FLAG_FIN;
use crate::runtime::rooms::RoomError;
use crate::runtime::{self, node::Node};
use crate::worker::cluster;
use crate::worker::ipc::Message;
use crate::worker::push::Target;

fn node(st: &ServerState) -> Option<Node> {
    let node = st.node.borrow().clone();
    if node.is_none() {
        zend::warning_docref("server is not running");
    }
    node
}

fn room_arg(args: &Args, i: usize) -> Option<Vec<u8>> {
    let room = args.bytes(i, "room")?;
    if room.is_empty() || room.len() > MAX_ROOM_NAME {
        zend::warning_docref(&RoomError::BadName.to_string());
        return None;
    }
    Some(room)
}

/// The `(int $fd, string $room)` of join() and leave(), with the running
/// server and its node; `rv` is false until the caller sets it.
fn fd_room_call(
    ex: &mut ExecuteData,
    rv: &mut Zval,
) -> Option<(i64, Vec<u8>, std::rc::Rc<runtime::Server>, Node)> {
    let args = Args::parse(ex, 2, 2)?;
    let (fd, room) = (args.long(0, "fd")?, args.bytes(1, "room")?);
    rv.set_bool(false);
    let (st, rt) = running_runtime()?;
    let node = node(&st)?;
    Some((fd, room, rt, node))
}

/// `join(int $fd, string $room): bool` — true when `$fd` is (now) in the room.
pub fn ws_join(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((fd, room, rt, node)) = fd_room_call(ex, rv) else {
        return;
    };
    let Some(target) = websocket_target(&rt, fd) else {
        return;
    };
    // Checked again under the rooms lock: a connection closing meanwhile
    // must not stay in a room.
    let alive = || match &target {
        Target::Local(conn) => !conn.is_closing(),
        Target::Remote(_) => cluster::remote_session(fd).is_some(),
    };
    match node.rooms.join_if(fd, &room, alive) {
        Ok(Some(_)) => rv.set_bool(true),
        Ok(None) => zend::warning_docref(&format!(
            "the connected client of connection[{fd}] is not a websocket client or closed"
        )),
        Err(RoomError::Full) => zend::warning_docref(&format!(
            "room_capacity reached ({} memberships)",
            node.rooms.capacity()
        )),
        Err(e) => zend::warning_docref(&e.to_string()),
    }
}

/// `leave(int $fd, string $room): bool` — false when `$fd` was not in it.
pub fn ws_leave(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some((fd, room, _rt, node)) = fd_room_call(ex, rv) {
        rv.set_bool(node.rooms.leave(fd, &room));
    }
}

/// The running server's node, for a listing call; `rv` is false until the
/// caller sets it.
fn listing_node(rv: &mut Zval) -> Option<Node> {
    rv.set_bool(false);
    let (st, _rt) = running_runtime()?;
    node(&st)
}

/// `rooms(int $fd): array` — the rooms `$fd` is in, in the order it joined.
pub fn ws_rooms(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(fd) = Args::parse(ex, 1, 1).and_then(|a| a.long(0, "fd")) else {
        return;
    };
    let Some(node) = listing_node(rv) else { return };
    let mut out = ZendHashTable::new();
    for room in node.rooms.rooms_of(fd) {
        let _ = out.push(zstr(room));
    }
    *rv = zarray(out);
}

/// `members(string $room): array` — the fds of this node in the room.
pub fn ws_members(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(room) = Args::parse(ex, 1, 1).and_then(|a| a.bytes(0, "room")) else {
        return;
    };
    let Some(node) = listing_node(rv) else { return };
    let mut out = ZendHashTable::new();
    for fd in node.rooms.members(&room) {
        let _ = out.push(zlong(fd));
    }
    *rv = zarray(out);
}

/// `publish(string $room, string $data, int $opcode = WEBSOCKET_OPCODE_TEXT): bool`
/// — to every member of the room on this node and, in a cluster, on every
/// other node. False (with a warning) when it could not reach the others.
pub fn ws_publish(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 3) else {
        return;
    };
    let Some(room) = room_arg(&args, 0) else {
        rv.set_bool(false);
        return;
    };
    let Some(data) = args.bytes(1, "data") else {
        return;
    };
    let Some(op) = args.long_or(2, "opcode", i64::from(opcode::TEXT)) else {
        return;
    };
    rv.set_bool(false);
    let Some((st, rt)) = running_runtime() else {
        return;
    };
    let Some(node) = node(&st) else { return };
    let Some(framed) = build_frame(op, data) else {
        return;
    };
    let members = node.rooms.members(&room);
    let local = deliver_to_members(&rt, &framed, &members);
    rv.set_bool(local && tell_other_nodes(&st, bus::Target::Room(&room), &framed));
}

/// A data frame built once for every receiver (never compressed: one frame
/// serves connections with and without permessage-deflate).
pub fn build_frame(op: i64, data: Vec<u8>) -> Option<Bytes> {
    let spec = frame::FrameSpec {
        opcode: op,
        flags: i64::from(FLAG_FIN),
        data,
        close: None,
    };
    frame::encode_spec(&spec, None).map(Bytes::from)
}

/// Queues `framed` to each member: this process's connections directly, the
/// others with one message per owning process. False if an owner could not
/// be told.
fn deliver_to_members(rt: &runtime::Server, framed: &Bytes, members: &[i64]) -> bool {
    let mut elsewhere: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
    for &fd in members {
        match table_get(rt, fd) {
            Some(conn) => {
                if conn.is_websocket() {
                    let _ = conn.send(framed.clone());
                }
            }
            None => {
                if let Some(info) = cluster::remote_session(fd) {
                    elsewhere.entry(info.owner).or_default().push(fd);
                }
            }
        }
    }
    elsewhere.into_iter().all(|(owner, sessions)| {
        cluster::forward(
            owner,
            &Message::Multicast {
                frame: framed.to_vec(),
                sessions,
            },
        )
    })
}

/// Hands a message for the other nodes to this process's bus publisher.
/// True without a cluster; false with a warning when the bus refuses it.
pub fn tell_other_nodes(st: &ServerState, target: bus::Target<'_>, framed: &[u8]) -> bool {
    let Some(publisher) = st.publisher.borrow().clone() else {
        return true;
    };
    match publisher.publish(target, framed) {
        Ok(()) => true,
        Err(e) => {
            zend::warning_docref(&format!(
                "cluster: delivered on this node only, not to the other nodes: {e}"
            ));
            false
        }
    }
}
