//! Small, safe-as-possible wrappers over the Zend engine API that ext-php-rs
//! does not expose: object properties, warnings with Swoole's wording,
//! callables called with engine semantics, exceptions.

use std::ffi::{c_char, c_int, CString};
use std::ptr;

use ext_php_rs::boxed::ZBox;
use ext_php_rs::ffi::{
    self, _call_user_function_impl, zend_call_known_function, zend_class_entry,
    zend_fcall_info_cache, zend_is_callable_ex, zend_object, zend_read_property,
    zend_throw_exception, zval, ZEND_ACC_CALL_VIA_TRAMPOLINE,
};
use ext_php_rs::types::{ZendHashTable, ZendStr, Zval};
use ext_php_rs::zend::ExecutorGlobals;

unsafe extern "C" {
    fn object_init_ex(arg: *mut zval, ce: *mut zend_class_entry) -> c_int;
    fn zend_update_property(
        scope: *mut zend_class_entry,
        object: *mut zend_object,
        name: *const c_char,
        name_length: usize,
        value: *mut zval,
    );
    pub fn zend_register_class_alias_ex(
        name: *const c_char,
        name_len: usize,
        ce: *mut zend_class_entry,
        persistent: bool,
    ) -> c_int;
    pub fn zend_register_functions(
        scope: *mut zend_class_entry,
        functions: *const ext_php_rs::ffi::zend_function_entry,
        function_table: *mut ext_php_rs::ffi::HashTable,
        type_: c_int,
    ) -> c_int;
    pub fn php_register_variable_ex(
        var: *const c_char,
        val: *mut zval,
        track_vars_array: *mut zval,
    );
    fn zend_error(type_: c_int, format: *const c_char, ...);
    fn zend_exception_error(ex: *mut zend_object, severity: c_int) -> c_int;
    fn zend_is_unwind_exit(ex: *const zend_object) -> bool;
    fn zend_is_graceful_exit(ex: *const zend_object) -> bool;
    pub static mut zend_ce_type_error: *mut zend_class_entry;
    pub static mut zend_ce_argument_count_error: *mut zend_class_entry;
    pub static mut zend_ce_value_error: *mut zend_class_entry;
    fn _php_stream_cast(
        stream: *mut std::ffi::c_void,
        castas: c_int,
        ret: *mut *mut std::ffi::c_void,
        show_err: c_int,
    ) -> c_int;
    fn php_file_le_stream() -> c_int;
    fn php_file_le_pstream() -> c_int;
    fn zend_fetch_resource2_ex(
        res: *mut zval,
        name: *const c_char,
        t1: c_int,
        t2: c_int,
    ) -> *mut std::ffi::c_void;
}

/// The descriptor behind a value a script passes as "a socket": a
/// descriptor number, or a stream resource (`fopen`, `stream_socket_*`,
/// STDIN) that has one.
pub fn fd_of(v: &Zval) -> Option<i32> {
    if let Some(n) = v.long() {
        return i32::try_from(n).ok().filter(|n| *n >= 0);
    }
    stream_fd(stream_of(v)?)
}

/// The `php_stream` of a stream resource.
pub fn stream_of(v: &Zval) -> Option<*mut ffi::php_stream> {
    if !v.is_resource() {
        return None;
    }
    let z = (v as *const Zval).cast_mut();
    // SAFETY: `z` is a live resource zval; the fetch checks its type and
    // returns null (with no error, the name being null) for any other.
    let stream = unsafe {
        zend_fetch_resource2_ex(
            z,
            std::ptr::null(),
            php_file_le_stream(),
            php_file_le_pstream(),
        )
    };
    (!stream.is_null()).then_some(stream.cast())
}

/// The descriptor `select()` would watch for a stream, if it has one.
pub fn stream_fd(stream: *mut ffi::php_stream) -> Option<i32> {
    let stream: *mut std::ffi::c_void = stream.cast();
    let mut fd: c_int = -1;
    // PHP_STREAM_AS_FD_FOR_SELECT | PHP_STREAM_CAST_INTERNAL: the
    // descriptor, without changing the stream.
    const CAST: c_int = 3 | 0x2000_0000;
    // SAFETY: a live php_stream and a c_int the cast writes the fd into.
    let ok = unsafe { _php_stream_cast(stream, CAST, (&mut fd as *mut c_int).cast(), 0) };
    (ok == 0 && fd >= 0).then_some(fd)
}

pub const E_ERROR: c_int = 1;
pub const E_WARNING: c_int = 2;
pub const E_DEPRECATED: c_int = 8192;

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "\\0")).unwrap_or_default()
}

/// Emits a PHP warning/notice with exactly `msg` (no automatic prefix).
pub fn error(level: c_int, msg: &str) {
    let fmt = c"%s";
    let m = cstring(msg);
    // SAFETY: format "%s" with one NUL-terminated string argument.
    unsafe { zend_error(level, fmt.as_ptr(), m.as_ptr()) };
}

/// `zend_error(E_ERROR, msg)`: a fatal error worded in full by the caller
/// (no function name added); the engine leaves by a jump, so the caller
/// must hold nothing that needs dropping.
pub fn fatal_error_raw(msg: &str) {
    let m = cstring(msg).into_raw();
    // SAFETY: format "%s" with one NUL-terminated string (leaked: the
    // request is ending); E_ERROR bails out to the engine.
    unsafe { zend_error(E_ERROR, c"%s".as_ptr(), m) };
}

/// Emits a warning prefixed with the running method, as `php_error_docref`
/// does: "Swoole\Server::exist(): server is not running".
/// `php_error_docref(E_ERROR, ...)`: a fatal error naming the running
/// function; the engine leaves by a jump, so the caller must hold nothing
/// that needs dropping.
pub fn fatal_docref(msg: &str) {
    let m = cstring(msg).into_raw();
    // SAFETY: format "%s" with one NUL-terminated string (leaked: the
    // request is ending); E_ERROR bails out to the engine.
    unsafe { ext_php_rs::ffi::php_error_docref(std::ptr::null(), E_ERROR, c"%s".as_ptr(), m) };
}

/// `php_error_docref(level, ...)`: a diagnostic naming the running
/// function (a deprecation, a notice).
pub fn error_docref(level: c_int, msg: &str) {
    let m = cstring(msg);
    // SAFETY: format "%s" with one NUL-terminated string argument.
    unsafe { ffi::php_error_docref(ptr::null(), level, c"%s".as_ptr(), m.as_ptr()) };
}

pub fn warning_docref(msg: &str) {
    let fmt = c"%s";
    let m = cstring(msg);
    // SAFETY: format "%s" with one NUL-terminated string argument.
    unsafe { ffi::php_error_docref(ptr::null(), E_WARNING, fmt.as_ptr(), m.as_ptr()) };
}

/// A new object of `ce` (an `ArrayIterator` subclass) over `items`:
/// `Timer::list()`, `Coroutine::list()`.
pub fn array_iterator(ce: *mut zend_class_entry, items: ZBox<ZendHashTable>) -> Zval {
    let it = new_object(ce);
    if let Some(construct) = method(&it, "__construct") {
        construct.call(&mut [zarray(items)]);
    }
    it
}

/// Throws an exception of class `ce` with `msg` and `code`.
pub fn throw(ce: *mut zend_class_entry, msg: &str, code: i64) {
    let m = cstring(msg);
    // SAFETY: ce is a registered class entry; the message is copied.
    unsafe { zend_throw_exception(ce, m.as_ptr(), code) };
}

pub fn throw_type_error(msg: &str) {
    // SAFETY: reading an engine global class entry pointer.
    throw(unsafe { zend_ce_type_error }, msg, 0);
}

pub fn throw_argument_count_error(msg: &str) {
    // SAFETY: reading an engine global class entry pointer.
    throw(unsafe { zend_ce_argument_count_error }, msg, 0);
}

pub fn throw_value_error(msg: &str) {
    // SAFETY: reading an engine global class entry pointer.
    throw(unsafe { zend_ce_value_error }, msg, 0);
}

// ---- values ----------------------------------------------------------------

/// A zval made from its fields: ext-php-rs's setters are calls (they
/// release the old value first), and a Frame or an event object makes
/// several of these per message.
#[inline]
fn scalar(value: ext_php_rs::ffi::zend_value, type_info: u32) -> Zval {
    use ext_php_rs::ffi::{_zval_struct__bindgen_ty_1, _zval_struct__bindgen_ty_2};
    Zval {
        value,
        u1: _zval_struct__bindgen_ty_1 { type_info },
        u2: _zval_struct__bindgen_ty_2 { next: 0 },
    }
}

#[inline]
pub fn zlong(v: i64) -> Zval {
    scalar(
        ext_php_rs::ffi::zend_value { lval: v },
        ext_php_rs::ffi::IS_LONG,
    )
}

#[inline]
pub fn zbool(v: bool) -> Zval {
    let type_info = if v {
        ext_php_rs::ffi::IS_TRUE
    } else {
        ext_php_rs::ffi::IS_FALSE
    };
    scalar(ext_php_rs::ffi::zend_value { lval: 0 }, type_info)
}

pub fn zdouble(v: f64) -> Zval {
    let mut z = Zval::new();
    z.set_double(v);
    z
}

pub fn znull() -> Zval {
    let mut z = Zval::new();
    z.set_null();
    z
}

/// A PHP string holding exactly these bytes (binary-safe).
pub fn zstr(v: impl AsRef<[u8]>) -> Zval {
    let s = ZendStr::new(v.as_ref(), false);
    // What `Zval::set_zend_string` does, without its call to release the
    // null it replaces (see `scalar`).
    // SAFETY: `s` is a live zend_string; its GC header is readable.
    let interned = unsafe { s.gc.u.type_info } & ext_php_rs::ffi::GC_IMMUTABLE != 0;
    let type_info = if interned {
        ext_php_rs::flags::ZvalTypeFlags::InternedStringEx.bits()
    } else {
        ext_php_rs::flags::ZvalTypeFlags::StringEx.bits()
    };
    scalar(
        ext_php_rs::ffi::zend_value { str_: s.into_raw() },
        type_info,
    )
}

pub fn zarray(ht: ZBox<ZendHashTable>) -> Zval {
    let mut z = Zval::new();
    z.set_hashtable(ht);
    z
}

/// A copy of a zval that shares its value (refcount + 1).
pub fn zcopy(v: &Zval) -> Zval {
    v.shallow_clone()
}

/// The bytes of a string zval.
pub fn str_bytes(v: &Zval) -> Option<&[u8]> {
    v.dereference().zend_str().map(|s| s.as_bytes())
}

/// Inserts `value` under a string key (numeric strings become integer keys,
/// as PHP does for array literals).
pub fn ht_set(ht: &mut ZendHashTable, key: &str, value: Zval) {
    let is_int_key = !key.is_empty()
        && key.len() < 19
        && (key == "0" || !key.starts_with('0'))
        && key.bytes().all(|b| b.is_ascii_digit());
    let _ = if is_int_key {
        match key.parse::<i64>() {
            Ok(i) => ht.insert_at_index(i, value),
            Err(_) => ht.insert(key, value),
        }
    } else {
        ht.insert(key, value)
    };
}

// ---- objects ---------------------------------------------------------------

/// A new object of class `ce` with its declared defaults.
pub fn new_object(ce: *mut zend_class_entry) -> Zval {
    let mut z = Zval::new();
    // SAFETY: ce is a registered, instantiable class entry; object_init_ex
    // initialises the zval.
    unsafe { object_init_ex(&mut z, ce) };
    z
}

/// `$this` of a method call, with its object handle: the key under which
/// the extension keeps an object's native state.
pub fn this_object(ex: &mut ext_php_rs::zend::ExecuteData) -> Option<(u32, *mut zend_object)> {
    let o: *mut zend_object = ex.get_self()?;
    // SAFETY: $this is a live object for the duration of the call.
    Some((unsafe { (*o).handle }, o))
}

/// `[$object, 'name']` as a callable.
pub fn method(obj: &Zval, name: &str) -> Option<Callback> {
    let mut ht = ZendHashTable::new();
    let _ = ht.push(zcopy(obj));
    let _ = ht.push(zstr(name));
    Callback::new(&zarray(ht))
}

/// A new reference (refcount + 1) to a live object.
pub fn new_ref_to(obj: *mut zend_object) -> Zval {
    let mut z = Zval::new();
    // SAFETY: obj is a live object (a method's $this or one we hold).
    unsafe { z.set_object(&mut *obj) };
    z
}

pub fn obj_ptr(z: &Zval) -> Option<*mut zend_object> {
    let z = z.dereference();
    z.object()
        .map(|o| o as *const zend_object as *mut zend_object)
}

/// Writes property `name` of `obj` (visibility checked against `scope`, so
/// private properties need their declaring class).
pub fn set_prop_scoped(
    scope: *mut zend_class_entry,
    obj: *mut zend_object,
    name: &str,
    mut v: Zval,
) {
    // SAFETY: obj is a live object; zend_update_property copies the value.
    unsafe {
        zend_update_property(scope, obj, name.as_ptr().cast(), name.len(), &mut v);
    }
}

/// The slot offset of the declared instance property `name` of `ce`, for
/// [`write_prop_at`]. Looked up once per class: writing by slot skips the
/// name allocation and the hash lookup of `zend_update_property` (five of
/// each per received message, for a Frame).
pub fn prop_offset(ce: *mut zend_class_entry, name: &str) -> Option<u32> {
    // SAFETY: ce is a registered class entry; properties_info maps names to
    // zend_property_info pointers (IS_PTR zvals).
    unsafe {
        let zv = ext_php_rs::ffi::zend_hash_str_find(
            &(*ce).properties_info,
            name.as_ptr().cast(),
            name.len(),
        );
        if zv.is_null() {
            return None;
        }
        let info = (*zv)
            .value
            .ptr
            .cast::<ext_php_rs::ffi::zend_property_info>();
        if info.is_null() || (*info).flags & ext_php_rs::ffi::ZEND_ACC_STATIC != 0 {
            return None;
        }
        Some((*info).offset)
    }
}

/// Replaces the value of an untyped declared property by its slot.
///
/// # Safety
/// `offset` comes from [`prop_offset`] on `obj`'s class (or an ancestor),
/// the property is untyped, and `obj` is alive.
pub unsafe fn write_prop_at(obj: *mut zend_object, offset: u32, v: Zval) {
    let slot = obj.cast::<u8>().add(offset as usize).cast::<Zval>();
    let old = ptr::replace(slot, v);
    // A refcounted old value is released by dropping it. Any other (a
    // fresh object's defaults: numbers, booleans, interned strings) owns
    // nothing, and dropping a Zval costs ~40 instructions: five per
    // onMessage Frame.
    if old.u1.type_info & 0xff00 != 0 {
        drop(old);
    } else {
        std::mem::forget(old);
    }
}

pub fn set_prop(obj: *mut zend_object, name: &str, v: Zval) {
    // SAFETY: obj is a live object.
    let scope = unsafe { (*obj).ce };
    set_prop_scoped(scope, obj, name, v);
}

/// Reads property `name` of `obj` without warnings; None if unset.
pub fn get_prop_scoped<'a>(
    scope: *mut zend_class_entry,
    obj: *mut zend_object,
    name: &str,
) -> Option<&'a Zval> {
    let mut rv = Zval::new();
    // SAFETY: obj is a live object; the returned pointer is into its
    // property table (or rv for magic reads, which we copy out below).
    let p =
        unsafe { zend_read_property(scope, obj, name.as_ptr().cast(), name.len(), true, &mut rv) };
    if p.is_null() || ptr::eq(p, &rv) {
        return None;
    }
    // SAFETY: p points into the object's property table, alive with obj.
    let v = unsafe { &*p };
    let d = v.dereference();
    if d.is_null() && !v.is_reference() {
        // Unset typed/undef reads come back as null: treat as absent only
        // when it really is IS_UNDEF.
        return Some(d);
    }
    Some(d)
}

pub fn get_prop<'a>(obj: *mut zend_object, name: &str) -> Option<&'a Zval> {
    // SAFETY: obj is a live object.
    let scope = unsafe { (*obj).ce };
    get_prop_scoped(scope, obj, name)
}

/// True if `obj` is an instance of `ce` (or a subclass).
pub fn instance_of(obj: *mut zend_object, ce: *mut zend_class_entry) -> bool {
    // SAFETY: obj is a live object, ce a registered class.
    unsafe {
        let mut c = (*obj).ce;
        while !c.is_null() {
            if c == ce {
                return true;
            }
            c = (*c).__bindgen_anon_1.parent;
        }
    }
    false
}

// ---- callables -------------------------------------------------------------

/// A PHP callable resolved once (`zend_fcall_info_cache`), called many times.
///
/// Holds a reference to the callable's value so the function it resolved to
/// stays alive; the authoritative copy lives in a declared property of the
/// server object, where PHP's GC can see it.
///
/// A callable served by `__call`/`__callStatic` resolves to a trampoline
/// that lives for one call only: those are looked up again on every call.
pub struct Callback {
    value: Zval,
    fcc: Option<zend_fcall_info_cache>,
}

impl Clone for Callback {
    /// The same resolved callable: the cache's pointers stay valid while
    /// the copy holds its own reference to the value they came from.
    fn clone(&self) -> Self {
        Callback {
            value: zcopy(&self.value),
            fcc: self.fcc,
        }
    }
}

/// Frees a trampoline that `zend_is_callable_ex` handed out
/// (`zend_release_fcall_info_cache`, an inline function in PHP's headers).
///
/// # Safety
/// `fcc` was filled by `zend_is_callable_ex` and not used for a call.
unsafe fn release_trampoline(fcc: &mut zend_fcall_info_cache) {
    let func = fcc.function_handler;
    if func.is_null() || (*func).common.fn_flags & ZEND_ACC_CALL_VIA_TRAMPOLINE == 0 {
        return;
    }
    let name = (*func).common.function_name;
    if !name.is_null() {
        ext_php_rs::ffi::ext_php_rs_zend_string_release(name);
    }
    let shared = {
        let eg = ExecutorGlobals::get();
        std::ptr::eq(func.cast_const(), &eg.trampoline)
    };
    if shared {
        (*func).common.function_name = ptr::null_mut();
    } else {
        ext_php_rs::ffi::_efree(func.cast());
    }
    fcc.function_handler = ptr::null_mut();
}

/// What happened when PHP code ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    Ok,
    /// An uncaught exception was reported (as PHP reports it) and cleared.
    Reported,
    /// `exit()` was called: the exception stays pending and the server must
    /// stop and return to the script so that PHP can unwind.
    Exit,
    /// A fatal error bailed out of the callback.
    Bailout,
}

impl Callback {
    /// Resolves `value`; None if it is not callable.
    pub fn new(value: &Zval) -> Option<Callback> {
        Self::resolve(value).ok()
    }

    /// Resolves `value`, or says why it is not callable in PHP's words
    /// ("class Test does not have a method \"x\""), for the TypeError
    /// "...must be a valid callback, <why>".
    pub fn resolve(value: &Zval) -> Result<Callback, String> {
        // SAFETY: a zeroed fcc is what zend_is_callable_ex expects to fill.
        let mut fcc: zend_fcall_info_cache = unsafe { std::mem::zeroed() };
        let value = zcopy(value);
        let mut probe = zcopy(&value);
        let mut error: *mut std::os::raw::c_char = ptr::null_mut();
        // SAFETY: probe is a live zval; fcc is filled on success; error is
        // an emalloc'd string we free below.
        let ok = unsafe {
            zend_is_callable_ex(
                &mut probe,
                ptr::null_mut(),
                0,
                ptr::null_mut(),
                &mut fcc,
                &mut error,
            )
        };
        let reason = if error.is_null() {
            None
        } else {
            // SAFETY: a NUL-terminated string from zend_spprintf, freed once.
            let text = unsafe { std::ffi::CStr::from_ptr(error) }
                .to_string_lossy()
                .into_owned();
            // SAFETY: the engine emalloc'd it for us; freed once, here.
            unsafe { ext_php_rs::ffi::_efree(error.cast()) };
            Some(text)
        };
        if !ok || fcc.function_handler.is_null() {
            // SAFETY: fcc came from zend_is_callable_ex and was not called.
            unsafe { release_trampoline(&mut fcc) };
            return Err(reason.unwrap_or_else(|| match value.get_type() {
                ext_php_rs::flags::DataType::Array | ext_php_rs::flags::DataType::String => {
                    "not a callable".to_string()
                }
                _ => "no array or string given".to_string(),
            }));
        }
        // SAFETY: function_handler is a live zend_function.
        let trampoline =
            unsafe { (*fcc.function_handler).common.fn_flags } & ZEND_ACC_CALL_VIA_TRAMPOLINE != 0;
        if trampoline {
            // SAFETY: as above; the trampoline is not kept.
            unsafe { release_trampoline(&mut fcc) };
            return Ok(Callback { value, fcc: None });
        }
        Ok(Callback {
            value,
            fcc: Some(fcc),
        })
    }

    /// Calls the callable with `args`; reports what happened. The return
    /// value is handed to `on_return` while it is alive.
    pub fn call_with(&self, args: &mut [Zval], on_return: impl FnOnce(&Zval)) -> CallOutcome {
        let fcc = self.fcc;
        let argc = args.len() as u32;
        let argv = args.as_mut_ptr();
        let mut retval = Zval::new();
        let rv_ptr: *mut Zval = &mut retval;
        let mut callable = zcopy(&self.value);
        let callable_ptr: *mut Zval = &mut callable;
        let res = ext_php_rs::zend::try_catch(move || {
            // SAFETY: fcc was resolved by zend_is_callable_ex and the callable
            // is kept alive by self.value; argv holds argc initialised zvals.
            // Without a cache, call_user_function resolves (and frees the
            // trampoline of) the callable itself.
            unsafe {
                match fcc {
                    Some(fcc) => zend_call_known_function(
                        fcc.function_handler,
                        fcc.object,
                        fcc.called_scope,
                        rv_ptr,
                        argc,
                        argv,
                        ptr::null_mut(),
                    ),
                    None => {
                        _call_user_function_impl(
                            ptr::null_mut(),
                            callable_ptr,
                            rv_ptr,
                            argc,
                            argv,
                            ptr::null_mut(),
                        );
                    }
                }
            }
        });
        if res.is_err() {
            std::mem::forget(retval);
            std::mem::forget(callable);
            return CallOutcome::Bailout;
        }
        on_return(&retval);
        drop(retval);
        drop(callable);
        report_pending_exception()
    }

    pub fn call(&self, args: &mut [Zval]) -> CallOutcome {
        self.call_with(args, |_| {})
    }

    /// [`Callback::call_with`] without the bailout guard, for a resolved
    /// internal function that cannot bail out (`Fiber::suspend`: what
    /// interrupts a suspended fiber is an exception): one setjmp less on
    /// a path every coroutine takes.
    pub fn call_unguarded(&self, args: &mut [Zval], on_return: impl FnOnce(&Zval)) -> CallOutcome {
        let Some(fcc) = self.fcc else {
            return self.call_with(args, on_return);
        };
        let mut retval = Zval::new();
        // SAFETY: fcc was resolved by zend_is_callable_ex and the callable
        // is kept alive by self.value; args holds initialised zvals.
        unsafe {
            zend_call_known_function(
                fcc.function_handler,
                fcc.object,
                fcc.called_scope,
                &mut retval,
                args.len() as u32,
                args.as_mut_ptr(),
                ptr::null_mut(),
            )
        };
        on_return(&retval);
        drop(retval);
        report_pending_exception()
    }
}

/// The engine's executor globals, read and written without ext-php-rs's
/// globals lock (an atomic read-modify-write and an `Arc` per access): for
/// what runs on every callback or coroutine switch. Null only if the engine
/// is not there.
///
/// This build is not thread-safe PHP (the globals are static) and only the
/// PHP thread calls this; the caller must not keep a reference across a
/// call into PHP.
pub fn executor_globals_ptr() -> *mut ext_php_rs::ffi::zend_executor_globals {
    // SAFETY: returns the address of the static globals; no access here.
    unsafe { ext_php_rs::ffi::ext_php_rs_executor_globals() }
}

/// Whether the pending exception is PHP's unwind of `exit()` or of a
/// fiber being destroyed (its stack unwinds; nothing the script threw).
pub fn unwinding() -> bool {
    // SAFETY: as in `report_pending_exception`: one pointer read of the
    // executor globals on the PHP thread of a non-ZTS engine.
    let ex = unsafe {
        ext_php_rs::ffi::ext_php_rs_executor_globals()
            .as_ref()
            .map_or(ptr::null_mut(), |eg| eg.exception)
    };
    // SAFETY: ex is the engine's live pending exception.
    !ex.is_null() && unsafe { zend_is_unwind_exit(ex) || zend_is_graceful_exit(ex) }
}

/// Reports an exception left by PHP code the way PHP reports an uncaught one
/// ("PHP Fatal error:  Uncaught ..."), without bailing out, and clears it.
/// `exit()` is left pending.
pub fn report_pending_exception() -> CallOutcome {
    // The common case, checked after every call into PHP: no exception.
    // Read without ext-php-rs's globals lock (an atomic read-guard per
    // call); this build is not thread-safe PHP, and only the PHP thread
    // calls this.
    // SAFETY: the executor globals are static in a non-ZTS engine; reading
    // one pointer field on the PHP thread races with nothing.
    let ex = unsafe {
        ext_php_rs::ffi::ext_php_rs_executor_globals()
            .as_ref()
            .map_or(ptr::null_mut(), |eg| eg.exception)
    };
    if ex.is_null() {
        return CallOutcome::Ok;
    }
    // SAFETY: ex is the engine's live pending exception.
    unsafe {
        if zend_is_unwind_exit(ex) || zend_is_graceful_exit(ex) {
            return CallOutcome::Exit;
        }
        let status = ExecutorGlobals::get().exit_status;
        // zend_exception_error clears EG(exception), prints with
        // E_DONT_BAIL and releases the object.
        {
            let mut eg = ExecutorGlobals::get_mut();
            eg.exception = ptr::null_mut();
        }
        zend_exception_error(ex, E_ERROR);
        // The server keeps serving: a later clean shutdown still exits 0.
        ExecutorGlobals::get_mut().exit_status = status;
    }
    CallOutcome::Reported
}

/// Turns the pending exception into PHP's fatal "Uncaught ..." error,
/// which bails out to the engine (Swoole's fatal errors that are thrown
/// objects). Only from a PHP function's body, with nothing on the Rust
/// frames that needs dropping.
pub fn pending_exception_is_fatal() {
    let ex = ExecutorGlobals::get().exception;
    if ex.is_null() {
        return;
    }
    ExecutorGlobals::get_mut().exception = ptr::null_mut();
    // SAFETY: `ex` was the engine's pending exception, now ours to report:
    // zend_exception_error prints it (without bailing out), then the
    // script ends as on any fatal error.
    unsafe {
        zend_exception_error(ex, E_ERROR);
        ExecutorGlobals::get_mut().exit_status = 255;
        ext_php_rs::zend::bailout();
    }
}

extern "C" {
    /// PHPAPI in main/output.c: flushes every active output buffer.
    fn php_output_flush_all();
}

/// Writes out whatever PHP and C stdio buffered: before a fork (so children
/// do not repeat it) and before a worker process ends.
pub fn flush_output() {
    // SAFETY: both only flush buffers; PHP's output layer is active while a
    // script runs, which is the only time servers start or workers end.
    unsafe {
        php_output_flush_all();
        libc::fflush(ptr::null_mut());
    }
}

/// The exit status `exit()` set (`EG(exit_status)`).
pub fn exit_status() -> i32 {
    ExecutorGlobals::get().exit_status
}
