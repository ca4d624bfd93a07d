//! `SWOOLE_HOOK_PROC`: the pipes `proc_open()` gives a script wait in the
//! coroutine (installed by [`super::functions`]); `SWOOLE_HOOK_STDIO`:
//! so do the CLI's `STDIN`, `STDOUT` and `STDERR`.
//!
//! `proc_open()` itself is PHP's (the child starts at once). Each pipe
//! stream it returns gets a copy of PHP's stdio table whose read and write
//! wait for the pipe in the coroutine first, then run PHP's own; outside a
//! coroutine, or on a pipe the script made non-blocking, they are PHP's.
//! `proc_close()` stays PHP's: it waits for the child, which has usually
//! ended by the time its output is read to the end.

use std::ffi::c_char;

use ext_php_rs::ffi::{php_stream, php_stream_ops};
use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::functions::{call_php, coroutine_of_call, num_args};
use super::stream::{wait, Waited};
use super::table::{self, Kind};
use crate::php::args::Args;
use crate::php::zend;
use crate::runtime::client::socket::Event;
use crate::worker::process::set_nonblocking;

pub(super) fn hooked_proc_open(ex: &mut ExecuteData, rv: &mut Zval) {
    call_php("proc_open", ex, rv);
    if !rv.is_resource() || num_args(ex) < 3 {
        return;
    }
    let Some(args) = Args::parse(ex, 3, 6) else {
        return;
    };
    let Some(pipes) = args.get(2).and_then(|z| z.array()) else {
        return;
    };
    for (_, pipe) in pipes.iter() {
        if let Some(stream) = zend::stream_of(pipe) {
            // SAFETY: a live stream proc_open() just made.
            unsafe { wrap(stream) };
        }
    }
}

extern "C" {
    fn zend_get_constant_str(name: *const c_char, len: usize) -> *mut ext_php_rs::ffi::zval;
}

/// `SWOOLE_HOOK_STDIO`: the CLI's `STDIN`, `STDOUT` and `STDERR` streams
/// wait in the coroutine (a read of a terminal or a pipe with nothing in
/// it lets the others run). Once hooked they stay so: outside a coroutine
/// the wrapper is PHP's own stream anyway.
pub fn hook_stdio() {
    for name in ["STDIN", "STDOUT", "STDERR"] {
        // SAFETY: looks a constant up by name and length; the zval lives
        // in the constant table.
        let z = unsafe { zend_get_constant_str(name.as_ptr().cast(), name.len()) };
        if z.is_null() {
            continue;
        }
        // SAFETY: a live zval of the constant table.
        let z = unsafe { &*(z as *const Zval) };
        if let Some(stream) = zend::stream_of(z) {
            // SAFETY: the CLI's live stdio stream.
            unsafe { wrap(stream) };
        }
    }
}

/// Hooks a pipe (or stdio) stream.
///
/// # Safety
/// `stream` is null or a live stream.
unsafe fn wrap(stream: *mut php_stream) {
    // SAFETY: as the caller promises.
    unsafe { table::hook(stream, Kind::Pipe, pipe_entries) };
}

/// Our entries in a pipe's stdio table.
fn pipe_entries(ops: &mut php_stream_ops) {
    ops.read = ops.read.and(Some(pipe_read));
    ops.write = ops.write.and(Some(pipe_write));
}

/// The descriptor of a blocking pipe stream, when the call runs in a
/// coroutine (else None: the call is PHP's as it is).
fn blocking_pipe(stream: *mut php_stream) -> Option<(i64, i32)> {
    let cid = coroutine_of_call()?;
    let fd = zend::stream_fd(stream)?;
    // SAFETY: flag read of the stream's descriptor.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    (flags >= 0 && flags & libc::O_NONBLOCK == 0).then_some((cid, fd))
}

unsafe extern "C" fn pipe_read(stream: *mut php_stream, buf: *mut c_char, count: usize) -> isize {
    // SAFETY: the engine calls a stream's read with the stream it belongs to.
    let Some(w) = (unsafe { table::of(stream) }) else {
        return -1;
    };
    // A read of a pipe returns what is there: once readable it cannot block.
    if let Some((cid, fd)) = blocking_pipe(stream) {
        if let Waited::Canceled = wait(cid, fd, Event::Read, -1) {
            return -1;
        }
    }
    // SAFETY: the engine's arguments.
    unsafe { w.php_read(stream, buf, count) }
}

unsafe extern "C" fn pipe_write(
    stream: *mut php_stream,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: as in pipe_read.
    let Some(w) = (unsafe { table::of(stream) }) else {
        return -1;
    };
    // SAFETY: the engine's arguments.
    let php_write = || unsafe { w.php_write(stream, buf, count) };
    let Some((cid, fd)) = blocking_pipe(stream) else {
        return php_write();
    };
    // A blocking write of more than the pipe takes would wait for the
    // reader: each write is made non-blocking (it writes what fits; the
    // stream layer calls again for the rest), the coroutine waiting for
    // room in between.
    loop {
        match wait(cid, fd, Event::Write, -1) {
            Waited::Canceled => return -1,
            Waited::Other => return php_write(),
            Waited::Ready | Waited::TimedOut => {}
        }
        set_nonblocking(fd, true);
        let n = php_write();
        set_nonblocking(fd, false);
        if n != 0 || count == 0 {
            return n;
        }
    }
}
