//! The last PHP string pushed, framed once.
//!
//! A broadcast is a `foreach ($server->connections as $fd) $server->push($fd, $msg)`
//! loop: the same PHP string, pushed to every connection. Keeping the frame
//! of the last pushed string (keyed by the string itself, which is held
//! referenced so that its address cannot be reused while cached) frames it
//! once and shares the bytes between all connections' queues.

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
    frame: Bytes,
}

thread_local! {
    static LAST: RefCell<Option<Entry>> = const { RefCell::new(None) };
}

fn str_ptr(z: &Zval) -> Option<*const ZendStr> {
    z.dereference().zend_str().map(|s| s as *const ZendStr)
}

/// The frame for pushing string `data` with `opcode`/`flags`: the cached one
/// if `data` is the string framed last, else `encode()`'s (then cached).
pub fn framed(
    data: &Zval,
    opcode: i64,
    flags: i64,
    encode: impl FnOnce() -> Option<Vec<u8>>,
) -> Option<Bytes> {
    let ptr = str_ptr(data)?;
    let hit = LAST.with(|last| {
        last.borrow().as_ref().and_then(|e| {
            (str_ptr(&e.string) == Some(ptr) && e.opcode == opcode && e.flags == flags)
                .then(|| e.frame.clone())
        })
    });
    if hit.is_some() {
        return hit;
    }
    let frame = Bytes::from(encode()?);
    let entry = Entry {
        string: zend::zcopy(data.dereference()),
        opcode,
        flags,
        frame: frame.clone(),
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
