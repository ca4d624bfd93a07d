//! The tokio side of the server: listeners, connection tasks, the connection
//! table and heartbeats. No PHP here: events go to an [`EventHandler`], which
//! the PHP surface implements by calling the script's callbacks.

pub mod connection;
pub mod log;
pub mod server;
pub mod settings;
pub mod table;

use std::rc::Rc;

pub use connection::{Connection, SendError, SessionId};
pub use server::Server;
pub use settings::{SettingValue, Settings};
pub use table::ConnectionTable;

use crate::protocol::http::Request;
use crate::protocol::message::Event;

/// Receives connection events on the worker's thread. In BASE mode the
/// connection tasks call it directly: no channel, no copy.
///
/// Implementations may call back into the [`Server`] (push, close, list)
/// from any of these methods.
pub trait EventHandler {
    /// A TCP connection was accepted (`onConnect`).
    fn on_connect(&self, conn: &Rc<Connection>);
    /// Whether an `onRequest` callback is set: without one, plain HTTP
    /// requests get Swoole's 400 page.
    fn has_request_handler(&self) -> bool;
    /// A plain HTTP request. The handler must eventually call
    /// [`Connection::finish_response`] (the PHP `Response::end()` does).
    fn on_request(&self, conn: &Rc<Connection>, req: Request);
    /// Whether an `onHandshake` callback replaces the built-in handshake.
    fn has_handshake_handler(&self) -> bool;
    /// A WebSocket upgrade request to answer by hand: the handler writes the
    /// response, sets the status to ACTIVE on a 101, and finishes it.
    fn on_handshake(&self, conn: &Rc<Connection>, req: Request);
    /// The built-in handshake completed (`onOpen`).
    fn on_open(&self, conn: &Rc<Connection>, req: Request);
    /// A complete message, or a control frame the settings pass to PHP.
    fn on_message(&self, conn: &Rc<Connection>, event: Event);
    /// The connection is gone (`onClose`): `reactor_id` is -1 when the
    /// server closed it, 0 when the client did.
    fn on_close(&self, conn: &Rc<Connection>, reactor_id: i32);
}
