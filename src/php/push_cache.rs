//! The last PHP string pushed, framed once.
//!
//! A broadcast is a `foreach ($server->connections as $fd) $server->push($fd, $msg)`
//! loop: the same PHP string, pushed to every connection. Keeping the frame
//! of the last pushed string (keyed by the string itself, which is held
//! referenced so that its address cannot be reused while cached) frames it
//! once and shares the bytes between all connections' queues.
//!
//! The frame is kept from the second push of a string on: an echo server
//! pushes each string once, and sharing a frame (turning its buffer into a
//! shared one) would cost it an allocation per message for nothing.

use std::cell::RefCell;

use bytes::Bytes;
use ext_php_rs::types::{ZendStr, Zval};

use super::zend;

struct Entry {
    /// Holds a reference: a cached string cannot be freed, so an equal
    /// address means the same, unchanged string (PHP strings are
    /// copy-on-write).
    string: Zval,
    opcode: i64,
    flags: i64,
    /// Framed on the string's second push.
    frame: Option<Bytes>,
}

thread_local! {
    static LAST: RefCell<Option<Entry>> = const { RefCell::new(None) };
}

fn str_ptr(z: &Zval) -> Option<*const ZendStr> {
    z.dereference().zend_str().map(|s| s as *const ZendStr)
}

/// The frame for pushing string `data` with `opcode`/`flags`: the cached one
/// if `data` is the string pushed last (framed and kept on its second push),
/// else `encode()`'s.
pub fn framed(
    data: &Zval,
    opcode: i64,
    flags: i64,
    encode: impl FnOnce() -> Option<Vec<u8>>,
) -> Option<Bytes> {
    let ptr = str_ptr(data)?;
    let again = LAST.with(|last| {
        last.borrow()
            .as_ref()
            .map(|e| str_ptr(&e.string) == Some(ptr) && e.opcode == opcode && e.flags == flags)
    });
    if again == Some(true) {
        let cached = LAST.with(|last| last.borrow().as_ref().and_then(|e| e.frame.clone()));
        if cached.is_some() {
            return cached;
        }
        let frame = Bytes::from(encode()?);
        LAST.with(|last| {
            if let Some(e) = last.borrow_mut().as_mut() {
                e.frame = Some(frame.clone());
            }
        });
        return Some(frame);
    }
    let frame = Bytes::from(encode()?);
    let entry = Entry {
        string: zend::zcopy(data.dereference()),
        opcode,
        flags,
        frame: None,
    };
    // The old entry (and its string reference) is released after the borrow.
    let old = LAST.with(|last| last.borrow_mut().replace(entry));
    drop(old);
    Some(frame)
}

/// Forgets the cached frame (and releases its string) while PHP is alive.
pub fn clear() {
    let old = LAST.with(|last| last.borrow_mut().take());
    drop(old);
}
