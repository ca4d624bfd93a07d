//! Keepalive pings for WebSocket connections (`websocket_ping_interval`,
//! `websocket_ping_timeout`: our settings, off by default).
//!
//! Browsers never send pings, so Swoole's heartbeat (`heartbeat_idle_time`)
//! closes idle but healthy browser tabs unless the application pings them
//! itself. With these settings the runtime pings a WebSocket that has sent
//! nothing for the interval; the browser's automatic pong (or any frame)
//! counts as life. One that stays silent for the timeout after the ping is
//! closed with 1011, and its onClose runs as for a heartbeat (reactor id 0).
//!
//! [`Pings`] decides, without IO; [`run`] applies its decisions to the
//! server's connections on a timer.

use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use super::connection::{unix_time, SessionId};
use super::server::Server;
use crate::protocol::frame::opcode;
use crate::protocol::session::CLOSED_BY_PEER;

/// The close code of a connection that did not answer its ping (1011,
/// "the server met an unexpected condition": the peer went silent).
pub const NO_PONG_CLOSE_CODE: u16 = 1011;

/// What to do with one connection now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Nothing,
    Ping,
    Close,
}

/// The pings sent and not answered yet.
#[derive(Debug)]
pub struct Pings {
    interval: f64,
    timeout: f64,
    /// When each outstanding ping was sent.
    sent: HashMap<SessionId, f64>,
}

impl Pings {
    pub fn new(interval: Duration, timeout: Duration) -> Self {
        Pings {
            interval: interval.as_secs_f64(),
            timeout: timeout.as_secs_f64(),
            sent: HashMap::new(),
        }
    }

    /// What to do with connection `id`, which last sent something at
    /// `last_recv` (seconds, like `now`).
    pub fn decide(&mut self, id: SessionId, last_recv: f64, now: f64) -> Action {
        if let Some(&sent) = self.sent.get(&id) {
            if last_recv >= sent {
                // It answered (a pong, or anything else): alive.
                self.sent.remove(&id);
            } else if now - sent >= self.timeout {
                self.sent.remove(&id);
                return Action::Close;
            } else {
                return Action::Nothing;
            }
        }
        if now - last_recv >= self.interval {
            self.sent.insert(id, now);
            return Action::Ping;
        }
        Action::Nothing
    }

    /// Forgets connections that are gone.
    pub fn retain(&mut self, alive: impl Fn(SessionId) -> bool) {
        self.sent.retain(|id, _| alive(*id));
    }

    /// How often to look: a fraction of the shorter period, so a ping or a
    /// close comes at most that late.
    pub fn tick(&self) -> Duration {
        Duration::from_secs_f64((self.interval.min(self.timeout) / 4.0).clamp(0.01, 1.0))
    }
}

/// Pings idle WebSocket connections of `server` and closes those that do
/// not answer, until the server stops.
pub async fn run(server: Rc<Server>, interval: Duration, timeout: Duration) {
    let mut pings = Pings::new(interval, timeout);
    let mut tick = tokio::time::interval(pings.tick());
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !server.is_stopping() {
        tick.tick().await;
        let now = unix_time();
        let conns = server.table.snapshot();
        for conn in &conns {
            if !conn.is_websocket() || conn.is_closing() {
                continue;
            }
            match pings.decide(conn.id, conn.last_recv_time.get(), now) {
                Action::Nothing => {}
                Action::Ping => {
                    let _ = conn.send_frame(opcode::PING, true, 0, b"");
                }
                Action::Close => {
                    server.close_connection(conn, Some((NO_PONG_CLOSE_CODE, b"")), CLOSED_BY_PEER);
                }
            }
        }
        // One table look-up per outstanding ping (not a scan of every
        // connection for each).
        pings.retain(|id| server.table.get(id).is_some_and(|c| !c.is_closing()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pings() -> Pings {
        Pings::new(Duration::from_secs(10), Duration::from_secs(5))
    }

    #[test]
    fn an_idle_connection_is_pinged_once_then_closed_when_silent() {
        let mut p = pings();
        assert_eq!(p.decide(1, 100.0, 105.0), Action::Nothing);
        assert_eq!(p.decide(1, 100.0, 110.0), Action::Ping);
        // Waiting for the answer: no second ping.
        assert_eq!(p.decide(1, 100.0, 112.0), Action::Nothing);
        assert_eq!(p.decide(1, 100.0, 115.0), Action::Close);
    }

    #[test]
    fn a_pong_or_any_frame_counts_as_life() {
        let mut p = pings();
        assert_eq!(p.decide(1, 100.0, 110.0), Action::Ping);
        // The pong arrived at 110.5: alive, and the next ping comes an
        // interval after it.
        assert_eq!(p.decide(1, 110.5, 116.0), Action::Nothing);
        assert_eq!(p.decide(1, 110.5, 120.4), Action::Nothing);
        assert_eq!(p.decide(1, 110.5, 120.5), Action::Ping);
    }

    #[test]
    fn a_busy_connection_is_never_pinged() {
        let mut p = pings();
        for t in 0..100 {
            let now = 100.0 + f64::from(t);
            assert_eq!(p.decide(7, now - 0.5, now), Action::Nothing);
        }
    }

    #[test]
    fn gone_connections_are_forgotten_and_the_tick_follows_the_periods() {
        let mut p = pings();
        assert_eq!(p.decide(1, 0.0, 20.0), Action::Ping);
        assert_eq!(p.decide(2, 0.0, 20.0), Action::Ping);
        p.retain(|id| id == 2);
        assert_eq!(p.sent.len(), 1);
        assert_eq!(p.tick(), Duration::from_secs_f64(1.0));
        let fast = Pings::new(Duration::from_millis(200), Duration::from_millis(100));
        assert_eq!(fast.tick(), Duration::from_millis(25));
    }
}
