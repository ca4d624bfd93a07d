//! The [`EventHandler`] that turns connection events into calls of the
//! script's callbacks, with Swoole's arguments.

use std::rc::Rc;

use ext_php_rs::types::Zval;

use super::frame;
use super::http;
use super::state::ServerState;
use super::zend::{self, zlong};
use crate::protocol::http::Request;
use crate::protocol::message::Event;
use crate::runtime::connection::unix_time;
use crate::runtime::port::DatagramFrom;
use crate::runtime::{Connection, EventHandler};
use ext_php_rs::types::ZendHashTable;

pub struct PhpHandler {
    st: Rc<ServerState>,
}

impl PhpHandler {
    pub fn new(st: Rc<ServerState>) -> Self {
        PhpHandler { st }
    }

    fn call(&self, cb: &super::zend::Callback, args: &mut [Zval]) {
        self.st.invoke(cb, args);
    }
}

thread_local! {
    /// The connection whose onOpen runs now.
    static IN_ON_OPEN: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// onRequest for `req`, now: the response is checked once the callback has
/// ended (in a coroutine that waits, that is later).
fn run_request(st: &Rc<ServerState>, conn: &Rc<Connection>, req: Request) {
    let cbs = st.callbacks_for(conn.server_fd);
    let Some(cb) = &cbs.request else {
        conn.finish_response();
        return;
    };
    let (request, response) = http::request_response(st, conn, &req, false);
    let args = vec![request, zend::zcopy(&response)];
    let (conn, st2) = (conn.clone(), st.clone());
    let then: Box<dyn FnOnce()> = Box::new(move || {
        http::after_callback(&conn, &response);
        super::workers::count_request(&st2);
    });
    st.invoke_then(cb, args, Some(then));
}

impl PhpHandler {
    /// A request over `max_concurrency`: Swoole's bare 503, then the
    /// connection closes (its other requests are not read).
    fn refuse_unavailable(&self, conn: &Rc<Connection>) {
        use crate::worker::{cluster, push};
        let Some(rt) = self.st.runtime() else { return };
        let target = push::Target::Local(conn.clone());
        let bytes = push::Outbound::Bytes(http::concurrency::UNAVAILABLE.to_vec());
        let _ = push::deliver(&rt, &target, conn.id, bytes, cluster::forward);
        let _ = push::deliver(
            &rt,
            &target,
            conn.id,
            push::Outbound::Close,
            cluster::forward,
        );
    }

    /// `event_object`: callbacks get one object.
    fn event_objects(&self) -> bool {
        self.st.settings.borrow().event_object
    }

    /// The `$reactorId` a callback gets for an event the peer caused: in
    /// `SWOOLE_BASE` each worker is its own reactor, so Swoole passes the
    /// worker id; otherwise `given` (the reactor thread, -1 for a close
    /// the server made).
    fn reactor_id(&self, given: i32) -> i64 {
        if self.st.mode != super::server::SWOOLE_BASE || given < 0 {
            return i64::from(given);
        }
        crate::worker::cluster::cluster()
            .map(|c| c.worker_id.get())
            .filter(|id| *id >= 0)
            .unwrap_or(i64::from(given))
    }
}

impl EventHandler for PhpHandler {
    fn on_connect(&self, conn: &Rc<Connection>) {
        let cbs = self.st.callbacks_for(conn.server_fd);
        if let Some(cb) = &cbs.connect {
            let reactor_id = self.reactor_id(0);
            if self.event_objects() {
                let e = super::server::event_object(reactor_id, conn.id, None);
                self.call(cb, &mut [self.st.this_zval(), e]);
                return;
            }
            self.call(
                cb,
                &mut [self.st.this_zval(), zlong(conn.id), zlong(reactor_id)],
            );
        }
    }

    fn has_request_handler(&self, conn: &Connection) -> bool {
        self.st.callbacks_for(conn.server_fd).request.is_some()
    }

    fn on_request(&self, conn: &Rc<Connection>, req: Request) {
        if self.st.callbacks_for(conn.server_fd).request.is_none() {
            conn.finish_response();
            return;
        }
        let (max, per_worker) = {
            let s = self.st.settings.borrow();
            (s.max_concurrency, s.worker_request_concurrency())
        };
        if !http::concurrency::admits(max) {
            self.refuse_unavailable(conn);
            return;
        }
        if per_worker == 0 {
            return run_request(&self.st, conn, req);
        }
        let (st, conn) = (self.st.clone(), conn.clone());
        let (st2, conn2) = (st.clone(), conn.clone());
        let waiting = http::concurrency::Waiting {
            start: Box::new(move || run_request(&st, &conn, req)),
            refuse: Box::new(move || PhpHandler::new(st2).refuse_unavailable(&conn2)),
        };
        http::concurrency::start_or_wait(per_worker, waiting);
    }

    fn on_h2_request(
        &self,
        conn: &Rc<Connection>,
        req: Request,
        stream: Rc<dyn crate::runtime::http2::H2Answer>,
    ) {
        let cbs = self.st.callbacks_for(conn.server_fd);
        let Some(cb) = &cbs.request else {
            stream.send_head(404, &[], true);
            return;
        };
        let (request, response) = http::h2_request_response(&self.st, conn, &req, stream);
        let args = vec![request, zend::zcopy(&response)];
        let st = self.st.clone();
        let then: Box<dyn FnOnce()> = Box::new(move || {
            http::h2_after_callback(&response);
            super::workers::count_request(&st);
        });
        self.st.invoke_then(cb, args, Some(then));
    }

    fn has_handshake_handler(&self, conn: &Connection) -> bool {
        self.st.callbacks_for(conn.server_fd).handshake.is_some()
    }

    fn on_handshake(&self, conn: &Rc<Connection>, req: Request) {
        let cbs = self.st.callbacks_for(conn.server_fd);
        let Some(cb) = &cbs.handshake else {
            conn.finish_response();
            return;
        };
        let (request, response) = http::request_response(&self.st, conn, &req, true);
        let mut accepted = true;
        let outcome = cb.call_with(&mut [request, zend::zcopy(&response)], |ret| {
            if ret.is_false() {
                accepted = false;
            }
        });
        self.st.after_call(outcome);
        if !accepted && conn.response_pending() {
            // `return false` without a response: refuse the upgrade.
            conn.finish_response();
        }
        http::after_callback(conn, &response);
        super::workers::count_request(&self.st);
    }

    fn before_handshake_response(
        &self,
        conn: &Rc<Connection>,
        req: &Request,
    ) -> Vec<(String, Vec<u8>)> {
        let cbs = self.st.callbacks_for(conn.server_fd);
        let Some(cb) = &cbs.before_handshake_response else {
            return Vec::new();
        };
        let (request, response) = http::request_response(&self.st, conn, req, true);
        // Its headers are needed now: never in a coroutine of its own.
        // ($server, $request, $response), as Swoole calls it.
        self.st.invoke_sync(
            cb,
            &mut [self.st.this_zval(), request, zend::zcopy(&response)],
        );
        http::take_extra_headers(conn, &response)
    }

    fn on_open(&self, conn: &Rc<Connection>, req: Request) {
        let cbs = self.st.callbacks_for(conn.server_fd);
        if let Some(cb) = &cbs.open {
            let request = http::request_object(&self.st, conn, &req);
            let outer = IN_ON_OPEN.with(|c| c.replace(Some(conn.id)));
            self.call(cb, &mut [self.st.this_zval(), request]);
            IN_ON_OPEN.with(|c| c.set(outer));
        }
        // The upgrade request counts toward max_request, as in Swoole
        // (one received request, whatever callbacks it ran).
        super::workers::count_request(&self.st);
    }

    fn on_message(&self, conn: &Rc<Connection>, event: Event) {
        let cbs = self.st.callbacks_for(conn.server_fd);
        let Some(cb) = &cbs.message else {
            super::workers::count_request(&self.st);
            return;
        };
        let f = frame::frame_object(conn.id, &event);
        // A message read with others may wait for their batch; by then a
        // callback before it may have closed the connection, and a closing
        // connection's messages are not delivered. It counts towards
        // `max_request` once its callback has ended.
        self.st.invoke_queued(
            cb,
            vec![self.st.this_zval(), f],
            conn,
            super::workers::request_counter(&self.st),
        );
    }

    fn begin_batch(&self) {
        super::coroutine::open_batch();
    }

    fn end_batch(&self, run: bool) {
        super::coroutine::close_batch(run);
    }

    fn on_receive(&self, conn: &Rc<Connection>, data: bytes::Bytes) {
        let cbs = self.st.callbacks_for(conn.server_fd);
        if let Some(cb) = &cbs.receive {
            if self.event_objects() {
                let e = super::server::event_object(
                    self.reactor_id(0),
                    conn.id,
                    Some((&data, unix_time())),
                );
                self.call(cb, &mut [self.st.this_zval(), e]);
                super::workers::count_request(&self.st);
                return;
            }
            self.call(
                cb,
                &mut [
                    self.st.this_zval(),
                    zlong(conn.id),
                    zlong(self.reactor_id(0)),
                    zend::zstr(&data),
                ],
            );
        }
        super::workers::count_request(&self.st);
    }

    fn on_packet(&self, server_fd: i32, data: bytes::Bytes, from: DatagramFrom) {
        let cbs = self.st.callbacks_for(server_fd);
        let Some(cb) = &cbs.packet else { return };
        if self.event_objects() {
            let (address, port) = match from {
                DatagramFrom::Inet(addr) => {
                    (zend::zstr(addr.ip().to_string()), i64::from(addr.port()))
                }
                DatagramFrom::Unix(path) => (zend::zstr(path), 0),
            };
            let p = super::server::packet_object(
                i64::from(server_fd),
                i64::from(self.st.port_number(server_fd)),
                unix_time(),
                address,
                port,
                &data,
            );
            self.call(cb, &mut [self.st.this_zval(), p]);
            super::workers::count_request(&self.st);
            return;
        }
        // Swoole's client info array, its keys in its order.
        let mut info = ZendHashTable::new();
        let _ = info.insert("server_socket", zlong(i64::from(server_fd)));
        let _ = info.insert("dispatch_time", zend::zdouble(unix_time()));
        let _ = info.insert(
            "server_port",
            zlong(i64::from(self.st.port_number(server_fd))),
        );
        match from {
            DatagramFrom::Inet(addr) => {
                let _ = info.insert("address", zend::zstr(addr.ip().to_string()));
                let _ = info.insert("port", zlong(i64::from(addr.port())));
            }
            DatagramFrom::Unix(path) => {
                let _ = info.insert("address", zend::zstr(path));
            }
        }
        self.call(
            cb,
            &mut [self.st.this_zval(), zend::zstr(&data), zend::zarray(info)],
        );
        super::workers::count_request(&self.st);
    }

    fn package_length(&self, conn: &Rc<Connection>, data: &[u8]) -> i64 {
        let cbs = self.st.callbacks_for(conn.server_fd);
        let Some(cb) = &cbs.length_func else {
            return -1;
        };
        let mut length = -1;
        let outcome = cb.call_with(&mut [zend::zstr(data)], |ret| {
            length = ret
                .long()
                .or_else(|| ret.double().map(|d| d as i64))
                .unwrap_or(-1);
        });
        self.st.after_call(outcome);
        length
    }

    fn on_close(&self, conn: &Rc<Connection>, reactor_id: i32) {
        http::forget_connection(conn.id);
        let cbs = self.st.callbacks_for(conn.server_fd);
        // Swoole 4.7+: a connection of a WebSocket port that never became
        // a WebSocket reports onDisconnect instead of onClose when that
        // callback is set; so does one closed inside its own onOpen (it
        // becomes a WebSocket once onOpen has returned, in Swoole).
        let closed_in_on_open = IN_ON_OPEN.with(|c| c.get()) == Some(conn.id);
        if (closed_in_on_open || !super::server::is_upgraded(conn))
            && self.st.http_port(conn.server_fd)
        {
            if let Some(cb) = &cbs.disconnect {
                self.call(cb, &mut [self.st.this_zval(), zlong(conn.id)]);
                return;
            }
        }
        if let Some(cb) = &cbs.close {
            if self.event_objects() {
                let e = super::server::event_object(self.reactor_id(reactor_id), conn.id, None);
                super::server::while_closing(conn.id, || {
                    self.call(cb, &mut [self.st.this_zval(), e])
                });
                return;
            }
            super::server::while_closing(conn.id, || {
                self.call(
                    cb,
                    &mut [
                        self.st.this_zval(),
                        zlong(conn.id),
                        zlong(self.reactor_id(reactor_id)),
                    ],
                )
            });
        }
    }
}
