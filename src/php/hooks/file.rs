//! `SWOOLE_HOOK_FILE`: reads and writes of regular files, and `flock()`,
//! wait in the coroutine instead of the worker.
//!
//! Every plain file a script opens comes from PHP's plain files wrapper,
//! which PHP also uses directly for paths without a scheme, so the hook
//! points that wrapper's operations at a copy whose opener hands each new
//! stream a copy of PHP's stdio table:
//! - a read or write of a regular file runs on the runtime's blocking
//!   threads (into a buffer of its own: PHP's memory is only touched on
//!   the PHP thread) while the coroutine waits, with PHP's end-of-file
//!   rule; an error goes to PHP's own call, which reports it as PHP does;
//! - a blocking `flock()` tries without blocking and, while the lock is
//!   held elsewhere, sleeps the coroutine a millisecond at a time (as
//!   Swoole's does).
//!
//! Outside a coroutine, and for anything that is not a regular file
//! (pipes, terminals: see [`super::pipe`]), every entry is PHP's own.

use std::ffi::{c_char, c_int, c_void};

use parking_lot::Mutex;

use ext_php_rs::ffi::{php_stream, php_stream_ops, php_stream_wrapper, php_stream_wrapper_ops};

use super::functions::coroutine_of_call;
use super::table::{self, Kind};
use crate::php::coroutine::{self, io};
use crate::php::guard::or_default;
use crate::php::zend;

extern "C" {
    static mut php_plain_files_wrapper: php_stream_wrapper;
}

/// PHP's wrapper operations while ours are installed (as an address).
static PHP_WOPS: Mutex<Option<usize>> = Mutex::new(None);

const OPTION_LOCKING: c_int = 6;
/// `PHP_STREAM_LOCK_SUPPORTED` as set_option's ptrparam: "can you lock?".
const LOCK_SUPPORTED: usize = 1;

/// Installs (`on`) or removes the hook.
pub fn set(on: bool) {
    let mut php = PHP_WOPS.lock();
    // SAFETY: the engine's plain files wrapper, a process-wide static
    // changed only here, on the PHP thread; the tables are static (ours
    // leaked once).
    unsafe {
        let wrapper = &raw mut php_plain_files_wrapper;
        match (on, *php) {
            (true, None) => {
                let orig = (*wrapper).wops;
                if orig.is_null() {
                    return;
                }
                let mut ours = *orig;
                ours.stream_opener = Some(hooked_opener);
                *php = Some(orig as usize);
                (*wrapper).wops = Box::leak(Box::new(ours));
            }
            (false, Some(orig)) => {
                (*wrapper).wops = orig as *const php_stream_wrapper_ops;
                *php = None;
            }
            _ => {}
        }
    }
}

unsafe extern "C" fn hooked_opener(
    wrapper: *mut php_stream_wrapper,
    filename: *const c_char,
    mode: *const c_char,
    options: c_int,
    opened_path: *mut *mut ext_php_rs::ffi::zend_string,
    context: *mut ext_php_rs::ffi::php_stream_context,
) -> *mut php_stream {
    let Some(php) = *PHP_WOPS.lock() else {
        return std::ptr::null_mut();
    };
    let php = php as *const php_stream_wrapper_ops;
    // SAFETY: PHP's own opener with the engine's arguments.
    let stream = unsafe {
        match (*php).stream_opener {
            Some(open) => open(wrapper, filename, mode, options, opened_path, context),
            None => return std::ptr::null_mut(),
        }
    };
    if !stream.is_null() {
        // SAFETY: a live stream PHP just opened.
        unsafe { wrap(stream) };
    }
    stream
}

/// Hooks a plain file stream.
///
/// # Safety
/// `stream` is null or a live stream.
unsafe fn wrap(stream: *mut php_stream) {
    // SAFETY: as the caller promises.
    unsafe { table::hook(stream, Kind::File, file_entries) };
}

/// Our entries in a plain file's stdio table.
fn file_entries(ops: &mut php_stream_ops) {
    ops.read = ops.read.and(Some(file_read));
    ops.write = ops.write.and(Some(file_write));
    ops.set_option = ops.set_option.and(Some(file_set_option));
}

/// The descriptor of a regular file stream read and written through its
/// descriptor (not a C `FILE`), when the call runs in a coroutine.
fn regular_file(stream: *mut php_stream) -> Option<c_int> {
    coroutine_of_call()?;
    // SAFETY: a stdio stream's abstract begins with its `FILE *` (null for
    // a stream kept as a descriptor: what plain files are).
    let file = unsafe { *((*stream).abstract_ as *const *const c_void) };
    if !file.is_null() {
        return None;
    }
    let fd = zend::stream_fd(stream)?;
    // SAFETY: fstat into a local buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let ok = unsafe { libc::fstat(fd, &mut st) } == 0;
    (ok && st.st_mode & libc::S_IFMT == libc::S_IFREG).then_some(fd)
}

unsafe extern "C" fn file_read(stream: *mut php_stream, buf: *mut c_char, count: usize) -> isize {
    // SAFETY: the engine calls a stream's read with the stream it belongs to.
    let Some(w) = (unsafe { table::of(stream) }) else {
        return -1;
    };
    // SAFETY: the engine's arguments.
    let php_read = || unsafe { w.php_read(stream, buf, count) };
    let Some(fd) = regular_file(stream) else {
        return php_read();
    };
    let wanted = count.min(1 << 20);
    let Some((n, data)) = io::blocking(move || {
        let mut data = vec![0u8; wanted];
        // SAFETY: reads into a buffer of `wanted` bytes we own.
        let n = unsafe { libc::read(fd, data.as_mut_ptr().cast(), wanted) };
        (n, data)
    }) else {
        return -1; // canceled: as a failed read
    };
    if n < 0 {
        // PHP's own call meets the error again and reports it its way.
        return php_read();
    }
    let n = n as usize;
    // SAFETY: `buf` has room for `count` >= n bytes (the engine's buffer).
    unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf.cast::<u8>(), n) };
    if n == 0 {
        // SAFETY: a live stream; PHP's read marks the end of file so.
        unsafe { (*stream).set_eof(1) };
    }
    n as isize
}

unsafe extern "C" fn file_write(
    stream: *mut php_stream,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: as in file_read.
    let Some(w) = (unsafe { table::of(stream) }) else {
        return -1;
    };
    // SAFETY: the engine's arguments.
    let php_write = || unsafe { w.php_write(stream, buf, count) };
    let Some(fd) = regular_file(stream) else {
        return php_write();
    };
    // SAFETY: the engine's buffer of `count` bytes, copied before the wait.
    let data = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), count) }.to_vec();
    let written = io::blocking(move || {
        // SAFETY: writes from a buffer we own.
        unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) }
    });
    match written {
        Some(n) if n >= 0 => n,
        // PHP's own call meets the error again and reports it its way.
        Some(_) => php_write(),
        None => -1,
    }
}

unsafe extern "C" fn file_set_option(
    stream: *mut php_stream,
    option: c_int,
    value: c_int,
    ptrparam: *mut c_void,
) -> c_int {
    // SAFETY: as in file_read.
    let Some(w) = (unsafe { table::of(stream) }) else {
        return -1;
    };
    let php_set = |value: c_int| {
        or_default("a hooked file option", -1, || {
            // SAFETY: PHP's set_option with the engine's arguments.
            unsafe {
                (*w.php)
                    .set_option
                    .map_or(-2, |f| f(stream, option, value, ptrparam))
            }
        })
    };
    let blocking_lock = option == OPTION_LOCKING
        && ptrparam as usize != LOCK_SUPPORTED
        && value & libc::LOCK_NB == 0
        && value & (libc::LOCK_SH | libc::LOCK_EX) != 0;
    let Some(cid) = coroutine_of_call().filter(|_| blocking_lock) else {
        return php_set(value);
    };
    // Try without blocking; while another holds the lock, let the others
    // run a millisecond at a time.
    loop {
        let r = php_set(value | libc::LOCK_NB);
        let again = std::io::Error::last_os_error().raw_os_error() == Some(libc::EWOULDBLOCK);
        if r == 0 || !again {
            return r;
        }
        if !coroutine::sleep_for(cid, 0.001) {
            return -1;
        }
    }
}
