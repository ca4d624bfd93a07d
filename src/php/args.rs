//! Argument parsing with PHP's rules for internal functions: arity errors,
//! weak-mode scalar coercion (or none under `strict_types`), and TypeErrors
//! worded as the engine words them.

use ext_php_rs::ffi::{zend_execute_data, zval};
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::zend;

/// Name of the running internal function, "Class::method" or "function".
pub fn function_name(ex: *const zend_execute_data) -> String {
    // SAFETY: ex is the engine's execute data for the running call.
    unsafe {
        let func = (*ex).func;
        if func.is_null() {
            return String::new();
        }
        let name = (*func).common.function_name;
        let name = if name.is_null() {
            String::new()
        } else {
            let s: &ext_php_rs::types::ZendStr = &*name;
            String::from_utf8_lossy(s.as_bytes()).into_owned()
        };
        let scope = (*func).common.scope;
        if scope.is_null() || (*scope).name.is_null() {
            name
        } else {
            let s: &ext_php_rs::types::ZendStr = &*(*scope).name;
            format!("{}::{}", String::from_utf8_lossy(s.as_bytes()), name)
        }
    }
}

/// The engine's name for a value's type in error messages.
pub fn type_name(z: &Zval) -> String {
    let z = z.dereference();
    if z.is_null() {
        "null".into()
    } else if z.is_bool() {
        "bool".into()
    } else if z.is_long() {
        "int".into()
    } else if z.is_double() {
        "float".into()
    } else if z.is_string() {
        "string".into()
    } else if z.is_array() {
        "array".into()
    } else if let Some(o) = z.object() {
        o.get_class_name().unwrap_or_else(|_| "object".into())
    } else {
        "mixed".into()
    }
}

/// The arguments of one internal call.
pub struct Args {
    ex: *mut zend_execute_data,
    n: usize,
    strict: bool,
}

const ZEND_ACC_STRICT_TYPES: u32 = 1 << 31;

impl Args {
    /// Checks the argument count (throwing ArgumentCountError as the engine
    /// does) and returns the arguments.
    pub fn parse(ex: &mut ExecuteData, min: usize, max: usize) -> Option<Args> {
        let ex: *mut zend_execute_data = ex;
        // SAFETY: ex is the live execute data of this call.
        let (n, strict) = unsafe {
            let n = (*ex).This.u2.num_args as usize;
            let prev = (*ex).prev_execute_data;
            let strict = !prev.is_null()
                && !(*prev).func.is_null()
                && ((*(*prev).func).common.fn_flags & ZEND_ACC_STRICT_TYPES) != 0;
            (n, strict)
        };
        if n < min || n > max {
            let (bound, count) = if n < min {
                ("at least", min)
            } else {
                ("at most", max)
            };
            let bound = if min == max { "exactly" } else { bound };
            zend::throw_argument_count_error(&format!(
                "{}() expects {} {} argument{}, {} given",
                function_name(ex),
                bound,
                count,
                if count == 1 { "" } else { "s" },
                n
            ));
            return None;
        }
        Some(Args { ex, n, strict })
    }

    pub fn len(&self) -> usize {
        self.n
    }

    /// Stores `value` into by-reference argument `i` (a `&$out`
    /// parameter); false when it was not passed.
    pub fn set_ref(&self, i: usize, value: Zval) -> bool {
        if i >= self.n {
            return false;
        }
        let slot = std::mem::size_of::<zend_execute_data>().div_ceil(std::mem::size_of::<zval>());
        // SAFETY: as in `get`; the slot is this call's own argument, which
        // a by-reference parameter holds as a reference to the caller's
        // variable.
        let z = unsafe { &mut *(self.ex as *mut zval).add(slot + i).cast::<Zval>() };
        *z.dereference_mut() = value;
        true
    }

    /// Argument `i` (0-based), dereferenced.
    pub fn get(&self, i: usize) -> Option<&Zval> {
        if i >= self.n {
            return None;
        }
        let slot = std::mem::size_of::<zend_execute_data>().div_ceil(std::mem::size_of::<zval>());
        // SAFETY: arguments live in the call frame right after the
        // execute_data (ZEND_CALL_ARG), and i < num_args.
        let z = unsafe { &*(self.ex as *const zval).add(slot + i) };
        Some(z.dereference())
    }

    fn type_error(&self, i: usize, name: &str, expected: &str, got: &Zval) {
        zend::throw_type_error(&format!(
            "{}(): Argument #{} (${}) must be of type {}, {} given",
            function_name(self.ex),
            i + 1,
            name,
            expected,
            type_name(got)
        ));
    }

    /// An int argument; None (with a TypeError thrown) if it cannot be one.
    pub fn long(&self, i: usize, name: &str) -> Option<i64> {
        let z = self.get(i)?;
        if let Some(v) = z.long() {
            return Some(v);
        }
        if !self.strict {
            if let Some(b) = z.bool() {
                return Some(i64::from(b));
            }
            // PHP 8.1+: a float with a fraction is truncated, with a
            // deprecation notice.
            if let Some(d) = z.double() {
                if d.is_finite() && d.abs() < 9.2e18 {
                    if d.fract() != 0.0 {
                        zend::error(
                            zend::E_DEPRECATED,
                            &format!("Implicit conversion from float {d} to int loses precision"),
                        );
                    }
                    return Some(d as i64);
                }
            }
            if z.is_null() {
                return Some(0);
            }
            if let Some(s) = zend::str_bytes(z) {
                if let Some(v) = numeric_string(s) {
                    if v.is_finite() && v.abs() < 9.2e18 {
                        if v.fract() != 0.0 {
                            zend::error(
                                zend::E_DEPRECATED,
                                &format!(
                                    "Implicit conversion from float-string \"{}\" to int loses precision",
                                    String::from_utf8_lossy(s)
                                ),
                            );
                        }
                        return Some(v as i64);
                    }
                }
            }
        }
        self.type_error(i, name, "int", z);
        None
    }

    /// A number of seconds (an int or a float), `default` when absent or
    /// not a number: Swoole reads its timeouts this leniently.
    pub fn float_or(&self, i: usize, default: f64) -> f64 {
        self.get(i)
            .and_then(|z| z.double().or_else(|| z.long().map(|l| l as f64)))
            .unwrap_or(default)
    }

    pub fn long_or(&self, i: usize, name: &str, default: i64) -> Option<i64> {
        if i >= self.n {
            Some(default)
        } else {
            self.long(i, name)
        }
    }

    pub fn bool(&self, i: usize, name: &str) -> Option<bool> {
        let z = self.get(i)?;
        if let Some(b) = z.bool() {
            return Some(b);
        }
        if !self.strict && (z.is_long() || z.is_double() || z.is_string() || z.is_null()) {
            return Some(z.coerce_to_bool());
        }
        self.type_error(i, name, "bool", z);
        None
    }

    pub fn bool_or(&self, i: usize, name: &str, default: bool) -> Option<bool> {
        if i >= self.n {
            Some(default)
        } else {
            self.bool(i, name)
        }
    }

    /// A string argument as bytes (ints/floats/bools converted in weak mode).
    pub fn bytes(&self, i: usize, name: &str) -> Option<Vec<u8>> {
        let z = self.get(i)?;
        if let Some(s) = zend::str_bytes(z) {
            return Some(s.to_vec());
        }
        if !self.strict && (z.is_long() || z.is_double() || z.is_bool() || z.is_null()) {
            return z.coerce_to_string().map(String::into_bytes);
        }
        if z.is_object() {
            if let Some(s) = z.coerce_to_string() {
                return Some(s.into_bytes());
            }
        }
        self.type_error(i, name, "string", z);
        None
    }

    pub fn bytes_or(&self, i: usize, name: &str, default: &[u8]) -> Option<Vec<u8>> {
        if i >= self.n {
            Some(default.to_vec())
        } else {
            self.bytes(i, name)
        }
    }

    pub fn string(&self, i: usize, name: &str) -> Option<String> {
        self.bytes(i, name)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    pub fn array(&self, i: usize, name: &str) -> Option<&ZendHashTable> {
        let z = self.get(i)?;
        match z.array() {
            Some(a) => Some(a),
            None => {
                self.type_error(i, name, "array", z);
                None
            }
        }
    }
}

/// PHP's numeric-string check (leading/trailing whitespace allowed).
pub fn numeric_string(s: &[u8]) -> Option<f64> {
    let t = std::str::from_utf8(s)
        .ok()?
        .trim_matches(|c: char| c.is_ascii_whitespace());
    if t.is_empty() {
        return None;
    }
    let ok = t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if !ok {
        return None;
    }
    t.parse::<f64>().ok()
}
