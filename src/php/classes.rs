//! Registering internal classes whose objects are plain PHP objects with
//! declared properties (so `var_dump`, `json_encode`, inheritance and
//! dynamic properties behave exactly as for Swoole's classes), with methods
//! implemented as raw Zend handlers.

use std::ffi::CString;
use std::sync::atomic::{AtomicPtr, Ordering};

use ext_php_rs::ffi::{
    zend_class_entry, zend_declare_class_constant_ex, zend_declare_property,
    zend_do_implement_interface, zend_function_entry, zend_register_internal_class_ex,
    zend_string_init_interned,
};
use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::guard::{entry_point, PhpFn};
use super::{arginfo, zend};

/// What the engine calls: only ever a [`guard`](super::guard) trampoline.
pub type Handler = extern "C" fn(ex: &mut ExecuteData, retval: &mut Zval);

/// A registered class entry, set once at MINIT.
pub struct ClassSlot(AtomicPtr<zend_class_entry>);

impl ClassSlot {
    pub const fn new() -> Self {
        ClassSlot(AtomicPtr::new(std::ptr::null_mut()))
    }
    pub fn get(&self) -> *mut zend_class_entry {
        self.0.load(Ordering::Relaxed)
    }
    pub fn set(&self, ce: *mut zend_class_entry) {
        self.0.store(ce, Ordering::Relaxed)
    }
}

/// Property visibility flags (`ZEND_ACC_*`).
pub const PUBLIC: u32 = 1;
pub const PRIVATE: u32 = 4;

/// A declared property's default: only persistent values may be defaults.
#[derive(Clone, Copy)]
pub enum Default {
    Null,
    Long(i64),
    Double(f64),
    Bool(bool),
    Str(&'static str),
}

/// A method: its PHP signature as stub text (parameters and return type,
/// exactly as Swoole declares them), its handler and flags.
pub struct Method {
    pub name: &'static str,
    pub handler: Handler,
    pub params: &'static str,
    pub ret: &'static str,
    pub flags: u32,
}

const ACC_PUBLIC: u32 = 1;
const ACC_STATIC: u32 = 1 << 4;

/// A public method.
pub fn m(
    name: &'static str,
    handler: impl PhpFn,
    params: &'static str,
    ret: &'static str,
) -> Method {
    Method {
        name,
        handler: entry_point(handler),
        params,
        ret,
        flags: ACC_PUBLIC,
    }
}

/// A public static method.
pub fn sm(
    name: &'static str,
    handler: impl PhpFn,
    params: &'static str,
    ret: &'static str,
) -> Method {
    Method {
        flags: ACC_PUBLIC | ACC_STATIC,
        ..m(name, handler, params, ret)
    }
}

pub struct Class {
    pub name: &'static str,
    pub parent: Option<*mut zend_class_entry>,
    pub interfaces: Vec<*mut zend_class_entry>,
    pub props: Vec<(&'static str, Default, u32)>,
    pub methods: Vec<Method>,
    pub constants: Vec<(&'static str, i64)>,
    pub string_constants: Vec<(&'static str, &'static str)>,
    pub flags: u32,
}

impl Class {
    pub fn new(name: &'static str) -> Self {
        Class {
            name,
            parent: None,
            interfaces: vec![],
            props: vec![],
            methods: vec![],
            constants: vec![],
            string_constants: vec![],
            flags: 0,
        }
    }

    /// Registers the class with the engine (MINIT only).
    pub fn register(self) -> *mut zend_class_entry {
        let mut entries: Vec<zend_function_entry> = self
            .methods
            .iter()
            .map(|m| arginfo::handler_entry(m.name, m.handler, m.params, m.ret, m.flags))
            .collect();
        entries.push(arginfo::end());
        let entries: &'static mut [zend_function_entry] = Box::leak(entries.into_boxed_slice());

        // SAFETY: a zeroed class entry is the engine's INIT_CLASS_ENTRY
        // starting state; name and functions are set before registration.
        let ce = unsafe {
            let mut tmp: zend_class_entry = std::mem::zeroed();
            let name = CString::new(self.name).unwrap_or_default();
            let Some(init_interned) = zend_string_init_interned else {
                return std::ptr::null_mut();
            };
            tmp.name = init_interned(name.as_ptr(), self.name.len(), true);
            tmp.info.internal.builtin_functions = entries.as_ptr().cast();
            let ce = zend_register_internal_class_ex(
                &mut tmp,
                self.parent.unwrap_or(std::ptr::null_mut()),
            );
            (*ce).ce_flags |= self.flags;
            ce
        };
        for iface in self.interfaces {
            // SAFETY: both are registered class entries.
            unsafe { zend_do_implement_interface(ce, iface) };
        }
        for (name, default, flags) in self.props {
            let mut z = match default {
                Default::Null => zend::znull(),
                Default::Long(v) => zend::zlong(v),
                Default::Double(v) => zend::zdouble(v),
                Default::Bool(v) => zend::zbool(v),
                Default::Str(s) => {
                    let mut z = Zval::new();
                    let _ = z.set_interned_string(s, true);
                    z
                }
            };
            let cname = CString::new(name).unwrap_or_default();
            // SAFETY: ce is registered; the default is persistent; the engine
            // takes ownership of the value.
            unsafe {
                zend_declare_property(ce, cname.as_ptr(), name.len(), &mut z, flags as i32);
            }
            std::mem::forget(z);
        }
        let strings = self.string_constants.into_iter().map(|(name, value)| {
            let mut z = Zval::new();
            let _ = z.set_interned_string(value, true);
            (name, z)
        });
        let longs = self
            .constants
            .into_iter()
            .map(|(name, value)| (name, zend::zlong(value)));
        for (name, mut z) in longs.chain(strings) {
            let zname = ext_php_rs::types::ZendStr::new_interned(name, true);
            // SAFETY: ce is registered; the interned name and the value (a
            // long or an interned string) are persistent.
            unsafe {
                zend_declare_class_constant_ex(
                    ce,
                    zname.as_ptr().cast_mut(),
                    &mut z,
                    1, /* ZEND_ACC_PUBLIC */
                    std::ptr::null_mut(),
                );
            }
            // The engine owns the value now.
            std::mem::forget(z);
            std::mem::forget(zname);
        }
        ce
    }
}

/// Registers `alias` as another name of `ce` (MINIT only).
pub fn alias(alias: &str, ce: *mut zend_class_entry) {
    let lower = alias.to_ascii_lowercase();
    let c = CString::new(lower.clone()).unwrap_or_default();
    // SAFETY: ce is registered; MINIT time, persistent alias.
    unsafe {
        zend::zend_register_class_alias_ex(c.as_ptr(), lower.len(), ce, true);
    }
}
