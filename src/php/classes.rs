//! Registering internal classes whose objects are plain PHP objects with
//! declared properties (so `var_dump`, `json_encode`, inheritance and
//! dynamic properties behave exactly as for Swoole's classes), with methods
//! implemented as raw Zend handlers.

use std::ffi::CString;
use std::sync::atomic::{AtomicPtr, Ordering};

use ext_php_rs::args::Arg;
use ext_php_rs::builders::FunctionBuilder;
use ext_php_rs::ffi::{
    zend_class_entry, zend_declare_class_constant_ex, zend_declare_property,
    zend_do_implement_interface, zend_register_internal_class_ex, zend_string_init_interned,
};
use ext_php_rs::flags::{DataType, MethodFlags};
use ext_php_rs::types::Zval;
use ext_php_rs::zend::{ExecuteData, FunctionEntry};

use super::zend;

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
pub const PROTECTED: u32 = 2;
pub const PRIVATE: u32 = 4;
pub const STATIC: u32 = 1 << 4;

/// A declared property's default: only persistent values may be defaults.
#[derive(Clone, Copy)]
pub enum Default {
    Null,
    Long(i64),
    Bool(bool),
    Str(&'static str),
}

/// A method: name, handler, parameters (name, type, default-as-PHP-code),
/// required count and flags.
pub struct Method {
    pub name: &'static str,
    pub handler: Handler,
    pub params: Vec<Param>,
    pub required: usize,
    pub flags: MethodFlags,
    /// Declared return type, where the engine insists (`__toString`).
    pub returns: Option<DataType>,
}

pub struct Param {
    pub name: &'static str,
    pub ty: DataType,
    pub default: Option<&'static str>,
    pub nullable: bool,
    pub variadic: bool,
}

/// A parameter without a default.
pub fn p(name: &'static str, ty: DataType) -> Param {
    Param {
        name,
        ty,
        default: None,
        nullable: false,
        variadic: false,
    }
}

/// A parameter with a default, written as PHP code for Reflection.
pub fn pd(name: &'static str, ty: DataType, default: &'static str) -> Param {
    Param {
        name,
        ty,
        default: Some(default),
        nullable: default == "null",
        variadic: false,
    }
}

pub fn variadic(name: &'static str) -> Param {
    Param {
        name,
        ty: DataType::Mixed,
        default: None,
        nullable: false,
        variadic: true,
    }
}

pub fn method(name: &'static str, handler: Handler, params: Vec<Param>) -> Method {
    let required = params.iter().take_while(|p| p.default.is_none() && !p.variadic).count();
    Method {
        name,
        handler,
        params,
        required,
        flags: MethodFlags::Public,
        returns: None,
    }
}

pub fn static_method(name: &'static str, handler: Handler, params: Vec<Param>) -> Method {
    let mut m = method(name, handler, params);
    m.flags = MethodFlags::Public | MethodFlags::Static;
    m
}

/// Builds the function entry for `m`; its argument info is leaked on
/// purpose: the engine points at it for the life of the process.
pub fn function_entry(m: Method) -> Option<FunctionEntry> {
    let mut fb = FunctionBuilder::new(m.name, m.handler);
    for prm in m.params {
        let mut a = Arg::new(prm.name, prm.ty);
        if let Some(d) = prm.default {
            a = a.default(d);
        }
        if prm.nullable {
            a = a.allow_null();
        }
        if prm.variadic {
            a = a.is_variadic();
        }
        fb = fb.arg(a);
    }
    fb = fb.required_args(m.required);
    if let Some(ty) = m.returns {
        fb = fb.returns(ty, false, false);
    }
    let (mut entry, arg_info) = fb.build().ok()?;
    Box::leak(arg_info);
    entry.flags |= m.flags.bits();
    Some(entry)
}

pub struct Class {
    pub name: &'static str,
    pub parent: Option<*mut zend_class_entry>,
    pub interfaces: Vec<*mut zend_class_entry>,
    pub props: Vec<(&'static str, Default, u32)>,
    pub methods: Vec<Method>,
    pub constants: Vec<(&'static str, i64)>,
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
            flags: 0,
        }
    }

    /// Registers the class with the engine (MINIT only).
    pub fn register(self) -> *mut zend_class_entry {
        let mut entries: Vec<FunctionEntry> =
            self.methods.into_iter().filter_map(function_entry).collect();
        entries.push(FunctionEntry::end());
        let entries: &'static mut [FunctionEntry] = Box::leak(entries.into_boxed_slice());

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
        for (name, value) in self.constants {
            let mut z = zend::zlong(value);
            let zname = ext_php_rs::types::ZendStr::new_interned(name, true);
            // SAFETY: ce is registered; the interned name and long value are
            // persistent.
            unsafe {
                zend_declare_class_constant_ex(
                    ce,
                    zname.as_ptr().cast_mut(),
                    &mut z,
                    1, /* ZEND_ACC_PUBLIC */
                    std::ptr::null_mut(),
                );
            }
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
