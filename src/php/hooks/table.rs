//! The operation tables of hooked streams: for each of PHP's tables (and
//! each way of hooking it), a copy with some entries ours, made on first
//! use and kept for the life of the process (streams point at them).
//! Every hooked stream, whatever made it (a transport, `proc_open()`, a
//! plain file), is looked up here, and each of our entries finds PHP's own
//! through it.

use std::ffi::c_char;

use parking_lot::Mutex;

use ext_php_rs::ffi::{php_stream, php_stream_ops};

use crate::php::guard::or_default;

/// How a stream is hooked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A socket of a transport ([`super::stream`]): `connects` for stream
    /// transports (tcp, unix, ssl, tls), `tls` for PHP's openssl table.
    Socket { connects: bool, tls: bool },
    /// A pipe or the CLI's stdio ([`super::pipe`]).
    Pipe,
    /// A plain file ([`super::file`]).
    File,
}

/// PHP's table with our entries, PHP's table itself, and the kind.
#[repr(C)]
pub(super) struct Hooked {
    pub ops: php_stream_ops,
    pub php: *const php_stream_ops,
    pub kind: Kind,
}

// SAFETY: written once before any stream uses it, only read afterwards;
// it points at one of PHP's static tables.
unsafe impl Sync for Hooked {}
// SAFETY: as for Sync.
unsafe impl Send for Hooked {}

impl Hooked {
    pub fn connects(&self) -> bool {
        matches!(self.kind, Kind::Socket { connects: true, .. })
    }

    pub fn tls(&self) -> bool {
        matches!(self.kind, Kind::Socket { tls: true, .. })
    }

    /// Runs `f` with PHP's table on the stream for the length of the call
    /// when PHP's socket code may recognise its tables by address (a unix
    /// socket's connect, a UDP socket's type); other kinds need no swap.
    ///
    /// # Safety
    /// `stream` is a live stream pointing at this table.
    pub unsafe fn as_php<T>(
        &self,
        stream: *mut php_stream,
        f: impl FnOnce(&php_stream_ops) -> T,
    ) -> T {
        // SAFETY: a live stream; PHP's table is static.
        unsafe {
            if !matches!(self.kind, Kind::Socket { .. }) {
                return f(&*self.php);
            }
            (*stream).ops = self.php;
            let r = f(&*self.php);
            (*stream).ops = &self.ops;
            r
        }
    }

    /// PHP's own read of `stream` (under the panic guard).
    ///
    /// # Safety
    /// The engine's arguments of a read of `stream`, which points at this
    /// table.
    pub unsafe fn php_read(
        &self,
        stream: *mut php_stream,
        buf: *mut c_char,
        count: usize,
    ) -> isize {
        or_default("a hooked stream's read", -1, || {
            // SAFETY: PHP's read with the engine's arguments.
            unsafe { self.as_php(stream, |php| php.read.map_or(-1, |f| f(stream, buf, count))) }
        })
    }

    /// PHP's own write of `stream` (under the panic guard).
    ///
    /// # Safety
    /// As for [`Hooked::php_read`], of a write.
    pub unsafe fn php_write(
        &self,
        stream: *mut php_stream,
        buf: *const c_char,
        count: usize,
    ) -> isize {
        or_default("a hooked stream's write", -1, || {
            // SAFETY: PHP's write with the engine's arguments.
            unsafe {
                self.as_php(stream, |php| {
                    php.write.map_or(-1, |f| f(stream, buf, count))
                })
            }
        })
    }
}

static TABLES: Mutex<Vec<&'static Hooked>> = Mutex::new(Vec::new());

/// The hooked table `ops` is, if it is one of ours.
pub(super) fn hooked(ops: *const php_stream_ops) -> Option<&'static Hooked> {
    TABLES
        .lock()
        .iter()
        .find(|t| std::ptr::eq(&t.ops, ops))
        .copied()
}

/// The hooked table of `stream` (the engine calls an entry with the
/// stream it belongs to).
///
/// # Safety
/// `stream` is a live stream.
pub(super) unsafe fn of(stream: *mut php_stream) -> Option<&'static Hooked> {
    // SAFETY: as the caller promises.
    hooked(unsafe { (*stream).ops })
}

/// Points `stream` at the hooked copy of its table for `kind`, made with
/// `entries` (which puts our entries on a copy of PHP's) the first time.
/// A stream already hooked stays as it is.
///
/// # Safety
/// `stream` is null or a live stream.
pub(super) unsafe fn hook(stream: *mut php_stream, kind: Kind, entries: fn(&mut php_stream_ops)) {
    if stream.is_null() {
        return;
    }
    // SAFETY: a live stream.
    let php = unsafe { (*stream).ops };
    if php.is_null() || hooked(php).is_some() {
        return;
    }
    let table = {
        let mut tables = TABLES.lock();
        match tables
            .iter()
            .find(|t| std::ptr::eq(t.php, php) && t.kind == kind)
        {
            Some(t) => *t,
            None => {
                // SAFETY: PHP's tables are static and complete.
                let mut ops = unsafe { *php };
                entries(&mut ops);
                let t: &'static Hooked = Box::leak(Box::new(Hooked { ops, php, kind }));
                tables.push(t);
                t
            }
        }
    };
    // SAFETY: a live stream; the table lives for the process.
    unsafe { (*stream).ops = &table.ops };
}
