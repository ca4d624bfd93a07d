//! HTTP/2 in SWOOLE_PROCESS: the master's `h2` connection keeps each
//! request stream, a worker runs onRequest, and the script's answer comes
//! back step by step.
//!
//! The master owns the socket and the `h2` connection (its HPACK state
//! and flow control cannot be split between processes), so a stream's
//! [`H2Stream`](crate::runtime::http2::H2Stream) stays in the reactor that
//! accepted it ([`hold`]), and the request goes to a worker as an ordinary
//! relayed request carrying its stream id. There the script answers on a
//! [`RelayedStream`], which sends every [`H2Step`] it is given to that
//! reactor as a [`Message::H2`]; the reactor's inbox [`apply`]s it to the
//! stream it holds. Both ends take the same steps through
//! [`H2Answer`], so the response code above it is the one of SWOOLE_BASE.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use bytes::Bytes;

use super::ipc::{H2Step, Message};
use crate::runtime::http2::H2Answer;

thread_local! {
    /// The streams this reactor thread's connections wait to be answered
    /// on, by (session, stream id). Per thread because a reactor thread
    /// serves its own connections and their `h2` streams are not `Send`.
    static HELD: RefCell<HashMap<(i64, u32), Rc<dyn H2Answer>>> = RefCell::new(HashMap::new());
}

/// Master: keeps `stream` of connection `session` until its answer ends or
/// the connection closes.
pub fn hold(session: i64, stream: Rc<dyn H2Answer>) {
    HELD.with(|h| h.borrow_mut().insert((session, stream.stream_id()), stream));
}

/// Master: forgets every stream of a connection that closed.
pub fn forget_session(session: i64) {
    HELD.with(|h| {
        let mut held = h.borrow_mut();
        if !held.is_empty() {
            held.retain(|(s, _), _| *s != session);
        }
    });
}

/// Master: forgets one stream nobody will answer.
pub fn forget_session_stream(session: i64, stream_id: u32) {
    HELD.with(|h| h.borrow_mut().remove(&(session, stream_id)));
}

/// Master: takes a worker's step on the stream it answers. A stream that
/// is gone (the client reset it, the connection closed) drops the step.
pub fn apply(session: i64, stream_id: u32, step: H2Step) {
    let key = (session, stream_id);
    let Some(stream) = HELD.with(|h| h.borrow().get(&key).cloned()) else {
        return;
    };
    if take(stream.as_ref(), step) {
        HELD.with(|h| h.borrow_mut().remove(&key));
    }
}

/// Takes `step` on `stream`; whether the stream's answer has ended.
fn take(stream: &dyn H2Answer, step: H2Step) -> bool {
    match step {
        H2Step::Head {
            status,
            fields,
            end,
        } => {
            let sent = stream.send_head(status, &fields, end);
            end || !sent
        }
        H2Step::Data { data, end } => {
            let sent = stream.send_data(Bytes::from(data), end);
            end || !sent
        }
        H2Step::Trailers(fields) => {
            stream.send_trailers(&fields);
            true
        }
        H2Step::Reset => {
            stream.reset();
            true
        }
        H2Step::Ping => {
            stream.ping();
            false
        }
        H2Step::GoAway(code) => {
            stream.goaway(code);
            false
        }
    }
}

/// Worker: the stream a relayed HTTP/2 request is answered on. It keeps
/// what the answer's order needs to know here (whether the head went out,
/// whether the stream ended) and sends each step to the master through
/// `send` (false: the master could not be reached).
pub struct RelayedStream {
    session: i64,
    stream_id: u32,
    send: Box<dyn Fn(&Message) -> bool>,
    head_sent: Cell<bool>,
    ended: Cell<bool>,
}

impl RelayedStream {
    pub fn new(session: i64, stream_id: u32, send: Box<dyn Fn(&Message) -> bool>) -> Self {
        RelayedStream {
            session,
            stream_id,
            send,
            head_sent: Cell::new(false),
            ended: Cell::new(false),
        }
    }

    fn step(&self, step: H2Step) -> bool {
        (self.send)(&Message::H2 {
            session: self.session,
            stream_id: self.stream_id,
            step,
        })
    }
}

impl H2Answer for RelayedStream {
    fn stream_id(&self) -> u32 {
        self.stream_id
    }

    fn head_sent(&self) -> bool {
        self.head_sent.get()
    }

    fn send_head(&self, status: u16, fields: &[(String, Vec<u8>)], end: bool) -> bool {
        if self.head_sent.replace(true) {
            return false;
        }
        self.ended.set(end);
        self.step(H2Step::Head {
            status,
            fields: fields.to_vec(),
            end,
        })
    }

    fn send_data(&self, data: Bytes, end: bool) -> bool {
        if !self.head_sent.get() || self.ended.get() {
            return false;
        }
        self.ended.set(end);
        self.step(H2Step::Data {
            data: data.to_vec(),
            end,
        })
    }

    fn send_trailers(&self, fields: &[(String, Vec<u8>)]) -> bool {
        if !self.head_sent.get() || self.ended.replace(true) {
            return false;
        }
        self.step(H2Step::Trailers(fields.to_vec()))
    }

    fn reset(&self) {
        if !self.ended.replace(true) {
            self.head_sent.set(true);
            self.step(H2Step::Reset);
        }
    }

    fn ping(&self) {
        self.step(H2Step::Ping);
    }

    fn goaway(&self, error_code: u32) {
        self.step(H2Step::GoAway(error_code));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that records the steps taken on it.
    #[derive(Default)]
    struct Recorder {
        id: u32,
        taken: RefCell<Vec<String>>,
    }

    impl H2Answer for Recorder {
        fn stream_id(&self) -> u32 {
            self.id
        }
        fn head_sent(&self) -> bool {
            false
        }
        fn send_head(&self, status: u16, fields: &[(String, Vec<u8>)], end: bool) -> bool {
            self.taken
                .borrow_mut()
                .push(format!("head {status} {} {end}", fields.len()));
            true
        }
        fn send_data(&self, data: Bytes, end: bool) -> bool {
            self.taken
                .borrow_mut()
                .push(format!("data {} {end}", String::from_utf8_lossy(&data)));
            true
        }
        fn send_trailers(&self, fields: &[(String, Vec<u8>)]) -> bool {
            self.taken
                .borrow_mut()
                .push(format!("trailers {}", fields.len()));
            true
        }
        fn reset(&self) {
            self.taken.borrow_mut().push("reset".into());
        }
        fn ping(&self) {
            self.taken.borrow_mut().push("ping".into());
        }
        fn goaway(&self, code: u32) {
            self.taken.borrow_mut().push(format!("goaway {code}"));
        }
    }

    /// A worker's stream whose messages are collected for the test.
    fn relayed(session: i64, id: u32) -> (RelayedStream, Rc<RefCell<Vec<Message>>>) {
        let sent = Rc::new(RefCell::new(Vec::new()));
        let log = sent.clone();
        let stream = RelayedStream::new(
            session,
            id,
            Box::new(move |m: &Message| {
                log.borrow_mut().push(m.clone());
                true
            }),
        );
        (stream, sent)
    }

    /// What a worker's answer sends reaches the held stream as the same
    /// steps, and the stream is let go once its answer ends.
    #[test]
    fn a_workers_answer_is_taken_on_the_held_stream_in_order() {
        let held = Rc::new(Recorder {
            id: 3,
            ..Recorder::default()
        });
        hold(21, held.clone());
        let (worker, sent) = relayed(21, 3);
        assert!(worker.send_head(200, &[("a".into(), b"1".to_vec())], false));
        assert!(worker.head_sent());
        worker.ping();
        assert!(worker.send_data(Bytes::from_static(b"x"), false));
        assert!(worker.send_trailers(&[]));
        // once ended, nothing more is sent
        assert!(!worker.send_data(Bytes::from_static(b"late"), true));
        assert!(!worker.send_head(500, &[], true));
        for m in sent.borrow_mut().drain(..) {
            let Message::H2 {
                session,
                stream_id,
                step,
            } = Message::decode(&m.encode()).unwrap()
            else {
                panic!("not an HTTP/2 step: {m:?}");
            };
            apply(session, stream_id, step);
        }
        assert_eq!(
            *held.taken.borrow(),
            ["head 200 1 false", "ping", "data x false", "trailers 0"]
        );
        assert!(HELD.with(|h| !h.borrow().contains_key(&(21, 3))));
    }

    /// Streams of other sessions and steps for streams not held are left
    /// alone; a closed connection forgets only its own streams.
    #[test]
    fn unknown_streams_drop_the_step_and_a_close_forgets_its_streams() {
        let (a, b) = (
            Rc::new(Recorder {
                id: 1,
                ..Recorder::default()
            }),
            Rc::new(Recorder {
                id: 1,
                ..Recorder::default()
            }),
        );
        hold(31, a.clone());
        hold(32, b.clone());
        apply(31, 9, H2Step::Reset);
        forget_session(31);
        apply(31, 1, H2Step::Reset);
        apply(32, 1, H2Step::GoAway(0));
        assert!(a.taken.borrow().is_empty());
        assert_eq!(*b.taken.borrow(), ["goaway 0"]);
        // a head that ends the answer lets the stream go
        apply(
            32,
            1,
            H2Step::Head {
                status: 204,
                fields: vec![],
                end: true,
            },
        );
        apply(32, 1, H2Step::Reset);
        assert_eq!(*b.taken.borrow(), ["goaway 0", "head 204 0 true"]);
    }

    /// A worker's reset ends the answer once; data before the head is
    /// refused as the master's stream would refuse it.
    #[test]
    fn the_worker_side_keeps_the_answers_order() {
        let (worker, sent) = relayed(5, 7);
        assert!(!worker.send_data(Bytes::from_static(b"early"), false));
        assert!(!worker.send_trailers(&[]));
        worker.reset();
        worker.reset();
        assert!(worker.head_sent());
        assert_eq!(
            *sent.borrow(),
            [Message::H2 {
                session: 5,
                stream_id: 7,
                step: H2Step::Reset
            }]
        );
    }
}
