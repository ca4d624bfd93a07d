//! `exit()` inside a coroutine or a started server throws
//! `Swoole\ExitException` (message "swoole exit", `getStatus()` the value
//! given to exit, `getFlags()` where it was called) instead of ending the
//! process, as Swoole does: a script may catch it, and an uncaught one is
//! a fatal error (in a server worker, the worker exits with 255 and is
//! replaced). Before PHP 8.4 `exit` is an opcode, so this is a user opcode
//! handler; from 8.4 on it is a function, which this build leaves as PHP's.

use std::os::raw::c_int;

use ext_php_rs::ffi::{zend_execute_data, zend_object, zval, ZEND_MODULE_API_NO};
use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::super::classes::{m, Class, ClassSlot, Default, PRIVATE};
use super::super::zend::{self, zlong};

pub static EXIT_EXCEPTION: ClassSlot = ClassSlot::new();

/// `SWOOLE_EXIT_IN_COROUTINE`, `SWOOLE_EXIT_IN_SERVER`.
const IN_COROUTINE: i64 = 1 << 1;
const IN_SERVER: i64 = 1 << 2;

/// The engine's `ZEND_EXIT` opcode (PHP 8.0 to 8.3).
const ZEND_EXIT: u8 = 79;
/// PHP 8.4's module API number: `exit` is a function from there on.
const PHP_84_API: u32 = 20240924;
const ZEND_USER_OPCODE_DISPATCH: c_int = 2;
const IS_UNUSED: u8 = 0;
const IS_CONST: u8 = 1;

type OpcodeHandler = unsafe extern "C" fn(*mut zend_execute_data) -> c_int;

unsafe extern "C" {
    fn zend_set_user_opcode_handler(opcode: u8, handler: Option<OpcodeHandler>) -> c_int;
    fn zend_get_user_opcode_handler(opcode: u8) -> Option<OpcodeHandler>;
}

/// The handler another extension had set for `ZEND_EXIT` (called for an
/// `exit()` that is not Swoole's to turn into an exception).
static mut PREVIOUS: Option<OpcodeHandler> = None;

pub fn register(swoole_exception: *mut ext_php_rs::ffi::zend_class_entry) {
    let mut c = Class::new("Swoole\\ExitException");
    c.parent = Some(swoole_exception);
    c.props = vec![
        ("flags", Default::Long(0), PRIVATE),
        ("status", Default::Long(0), PRIVATE),
    ];
    c.methods = vec![
        m("getFlags", get_flags, "", "int"),
        m("getStatus", get_status, "", "mixed"),
    ];
    EXIT_EXCEPTION.set(c.register());
}

/// Installs the `exit` hook (MINIT, the CLI only, as Swoole).
pub fn install() {
    if ZEND_MODULE_API_NO >= PHP_84_API {
        return;
    }
    // SAFETY: MINIT, single-threaded: nothing runs PHP code yet.
    unsafe {
        PREVIOUS = zend_get_user_opcode_handler(ZEND_EXIT);
        zend_set_user_opcode_handler(ZEND_EXIT, Some(on_exit));
    }
}

/// Where `exit()` was called, as Swoole's flags say it (0: neither in a
/// coroutine nor in a started server).
fn exit_flags() -> i64 {
    let mut flags = 0;
    if super::current() > 0 {
        flags |= IN_COROUTINE;
    }
    if super::super::state::current().is_some_and(|s| s.running.get()) {
        flags |= IN_SERVER;
    }
    flags
}

unsafe extern "C" fn on_exit(execute_data: *mut zend_execute_data) -> c_int {
    let flags = super::super::guard::or_default("exit()", 0, exit_flags);
    if flags == 0 {
        // SAFETY: PREVIOUS was written once, in MINIT.
        return match unsafe { PREVIOUS } {
            // SAFETY: the engine's own handler contract, passed through.
            Some(previous) => unsafe { previous(execute_data) },
            None => ZEND_USER_OPCODE_DISPATCH,
        };
    }
    // SAFETY: the engine calls this for the ZEND_EXIT opline of a live
    // frame; its operand is a constant or a variable slot of that frame.
    let status = unsafe { exit_status(execute_data) };
    let obj = exception("swoole exit");
    if !obj.is_null() {
        let scope = EXIT_EXCEPTION.get();
        zend::set_prop_scoped(scope, obj, "flags", zlong(flags));
        zend::set_prop_scoped(scope, obj, "status", status);
    }
    // The exception moved the frame to its handler: the engine unwinds.
    ZEND_USER_OPCODE_DISPATCH
}

/// Throws `Swoole\ExitException` with `msg`; the new object.
fn exception(msg: &str) -> *mut zend_object {
    let m = std::ffi::CString::new(msg).unwrap_or_default();
    // SAFETY: a registered class entry; the message is copied.
    unsafe { ext_php_rs::ffi::zend_throw_exception(EXIT_EXCEPTION.get(), m.as_ptr(), 0) }
}

/// The value `exit` was given (null for a bare `exit`), copied.
///
/// # Safety
/// `execute_data` is the live frame whose current opline is `ZEND_EXIT`.
unsafe fn exit_status(execute_data: *mut zend_execute_data) -> Zval {
    // SAFETY: the caller's contract.
    let opline = unsafe { (*execute_data).opline };
    if opline.is_null() {
        return zend::znull();
    }
    // SAFETY: opline is the frame's current instruction.
    let (op_type, op1) = unsafe { ((*opline).op1_type, (*opline).op1) };
    let value: *const zval = match op_type {
        IS_UNUSED => return zend::znull(),
        // A literal: stored relative to the opline (64-bit builds; 32-bit
        // ones are not supported by this extension).
        // SAFETY: the union's constant member for an IS_CONST operand.
        IS_CONST => unsafe {
            opline
                .cast::<u8>()
                .offset(op1.constant as i32 as isize)
                .cast::<zval>()
        },
        // A variable slot of the frame.
        // SAFETY: the union's var member for a TMP/VAR/CV operand: an
        // offset from the frame's start.
        _ => unsafe {
            execute_data
                .cast::<u8>()
                .add(op1.var as usize)
                .cast::<zval>()
        },
    };
    // SAFETY: value points to a live zval of the frame or its literals.
    match unsafe { value.as_ref() } {
        Some(z) => zend::zcopy(z.dereference()),
        None => zend::znull(),
    }
}

fn get_flags(ex: &mut ExecuteData, rv: &mut Zval) {
    prop(ex, rv, "flags");
}

fn get_status(ex: &mut ExecuteData, rv: &mut Zval) {
    prop(ex, rv, "status");
}

fn prop(ex: &mut ExecuteData, rv: &mut Zval, name: &str) {
    let Some((_, obj)) = zend::this_object(ex) else {
        return;
    };
    if let Some(z) = zend::get_prop_scoped(EXIT_EXCEPTION.get(), obj, name) {
        *rv = zend::zcopy(z);
    }
}
