//! `foreach ($server->connections as $fd)` without a PHP method call per
//! step.
//!
//! `Swoole\Connection\Iterator` implements `Iterator`, so by default the
//! engine runs `foreach` by calling valid(), current() and next() as PHP
//! methods: three full calls (a frame each, about 700 instructions in all)
//! per connection, in the loop every broadcast-by-hand script runs over all
//! of its connections. A class may instead give the engine a native
//! iterator (`get_iterator`), whose steps are plain function calls. This is
//! that iterator; the methods stay for scripts that call them directly.
//!
//! What it walks is what the methods walk: the ids of the connections open
//! at rewind (a snapshot, so that closing connections inside the loop is
//! safe), with keys 0, 1, 2...

use std::ffi::c_int;
use std::ptr;

use ext_php_rs::ffi::{
    self, zend_class_entry, zend_object_iterator, zend_object_iterator_funcs, zval, HashTable,
    IS_LONG, IS_NULL, IS_OBJECT_EX, ZEND_RESULT_CODE_FAILURE, ZEND_RESULT_CODE_SUCCESS,
};

unsafe extern "C" {
    fn zend_iterator_init(iter: *mut zend_object_iterator);
}

/// The engine's iterator object followed by our state; allocated with
/// emalloc, freed by the engine's object store after [`dtor`].
#[repr(C)]
struct ConnIterator {
    /// Must be first: the engine sees a `zend_object_iterator*`.
    it: zend_object_iterator,
    /// What get_current_data returns a pointer to.
    current: zval,
    ids: Vec<i64>,
    pos: usize,
}

static FUNCS: zend_object_iterator_funcs = zend_object_iterator_funcs {
    dtor: Some(dtor),
    valid: Some(valid),
    get_current_data: Some(current_data),
    get_current_key: Some(current_key),
    move_forward: Some(move_forward),
    rewind: Some(rewind),
    invalidate_current: None,
    get_gc: Some(get_gc),
};

/// Installs the native iterator on `ce` (after its interfaces, which set
/// the method-calling one).
pub fn install(ce: *mut zend_class_entry) {
    if ce.is_null() {
        return;
    }
    // SAFETY: `ce` is a class entry registered at MINIT and not yet used.
    unsafe { (*ce).get_iterator = Some(get_iterator) };
}

fn set_long(z: &mut zval, v: i64) {
    z.value.lval = v;
    z.u1.type_info = IS_LONG;
}

unsafe extern "C" fn get_iterator(
    _ce: *mut zend_class_entry,
    object: *mut zval,
    by_ref: c_int,
) -> *mut zend_object_iterator {
    if by_ref != 0 {
        // SAFETY: zend_ce_error is registered by the engine.
        super::zend::throw(
            unsafe { ffi::zend_ce_error },
            "An iterator cannot be used with foreach by reference",
            0,
        );
        return ptr::null_mut();
    }
    // SAFETY: emalloc'd memory of our size, initialised field by field
    // before the engine sees it; `object` is the object being iterated,
    // whose reference the iterator holds (released in dtor).
    unsafe {
        let iter = ffi::_emalloc(std::mem::size_of::<ConnIterator>()) as *mut ConnIterator;
        zend_iterator_init(ptr::addr_of_mut!((*iter).it));
        let obj = (*object).value.obj;
        (*obj).gc.refcount += 1;
        (*iter).it.data.value.obj = obj;
        (*iter).it.data.u1.type_info = IS_OBJECT_EX;
        (*iter).it.funcs = &FUNCS;
        (*iter).it.index = 0;
        (*iter).current.value.lval = 0;
        (*iter).current.u1.type_info = IS_NULL;
        ptr::addr_of_mut!((*iter).ids).write(Vec::new());
        ptr::addr_of_mut!((*iter).pos).write(0);
        ptr::addr_of_mut!((*iter).it)
    }
}

/// Our state behind the engine's pointer.
///
/// # Safety
/// `iter` must come from [`get_iterator`] and be alive.
unsafe fn state<'a>(iter: *mut zend_object_iterator) -> &'a mut ConnIterator {
    // SAFETY: the caller's contract: our iterator, whose first field is the
    // engine's, so the pointer is ours too.
    unsafe { &mut *(iter as *mut ConnIterator) }
}

unsafe extern "C" fn dtor(iter: *mut zend_object_iterator) {
    // SAFETY: called once by the engine before it frees the memory.
    unsafe {
        let s = state(iter);
        ptr::drop_in_place(ptr::addr_of_mut!(s.ids));
        ffi::zval_ptr_dtor(ptr::addr_of_mut!(s.it.data));
    }
}

unsafe extern "C" fn rewind(iter: *mut zend_object_iterator) {
    // SAFETY: a live iterator of ours.
    let s = unsafe { state(iter) };
    // The only handler here that does more than index a Vec.
    // SAFETY: `data` holds the iterated object (set in get_iterator).
    let handle = unsafe { (*s.it.data.value.obj).handle };
    s.ids = super::guard::or_default("foreach", Vec::new(), || super::server::live_ids(handle));
    s.pos = 0;
}

unsafe extern "C" fn valid(iter: *mut zend_object_iterator) -> ffi::zend_result {
    // SAFETY: a live iterator of ours.
    let s = unsafe { state(iter) };
    if s.pos < s.ids.len() {
        ZEND_RESULT_CODE_SUCCESS
    } else {
        ZEND_RESULT_CODE_FAILURE
    }
}

unsafe extern "C" fn current_data(iter: *mut zend_object_iterator) -> *mut zval {
    // SAFETY: a live iterator of ours; the zval lives as long as it.
    let s = unsafe { state(iter) };
    match s.ids.get(s.pos) {
        Some(&id) => set_long(&mut s.current, id),
        None => s.current.u1.type_info = IS_NULL,
    }
    &mut s.current
}

unsafe extern "C" fn current_key(iter: *mut zend_object_iterator, key: *mut zval) {
    // SAFETY: a live iterator of ours; `key` is the engine's out zval.
    unsafe {
        let s = state(iter);
        // 1 for the first connection, as Swoole's key() counts them.
        set_long(&mut *key, s.pos as i64 + 1);
    }
}

unsafe extern "C" fn move_forward(iter: *mut zend_object_iterator) {
    // SAFETY: a live iterator of ours.
    let s = unsafe { state(iter) };
    s.pos += 1;
}

/// The iterated object, for the cycle collector.
unsafe extern "C" fn get_gc(
    iter: *mut zend_object_iterator,
    table: *mut *mut zval,
    n: *mut c_int,
) -> *mut HashTable {
    // SAFETY: a live iterator of ours; out-pointers from the engine.
    unsafe {
        *table = ptr::addr_of_mut!((*iter).data);
        *n = 1;
    }
    ptr::null_mut()
}
