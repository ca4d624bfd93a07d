//! `Swoole\Table`: the PHP face of [`crate::worker::table::Table`].

use std::cell::RefCell;
use std::collections::HashMap;

use ext_php_rs::ffi::zend_object;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::classes::{m, Class, ClassSlot, Default, PUBLIC};
use super::errors;
use super::zend::{self, zarray, zdouble, zlong, zstr};
use crate::worker::table::{ColumnType, Table, TableError, Value};

pub static TABLE: ClassSlot = ClassSlot::new();

/// An iteration: the keys at `rewind()` and the position among them.
type Cursor = (Vec<Vec<u8>>, usize);

thread_local! {
    /// Tables by object handle; `__construct` (re)initialises its slot.
    static TABLES: RefCell<HashMap<u32, Table>> = RefCell::new(HashMap::new());
    /// Iteration snapshots by object handle.
    static CURSORS: RefCell<HashMap<u32, Cursor>> = RefCell::new(HashMap::new());
}

pub fn register(
    iterator: *mut ext_php_rs::ffi::zend_class_entry,
    countable: *mut ext_php_rs::ffi::zend_class_entry,
) {
    let mut c = Class::new("Swoole\\Table");
    c.interfaces = vec![iterator, countable];
    c.constants = vec![("TYPE_INT", 1), ("TYPE_FLOAT", 2), ("TYPE_STRING", 3)];
    c.props = vec![
        ("size", Default::Long(0), PUBLIC),
        ("memorySize", Default::Long(0), PUBLIC),
    ];
    c.methods = vec![
        m(
            "__construct",
            t_construct,
            "int $table_size, float $conflict_proportion = 0.2",
            "",
        ),
        m(
            "column",
            t_column,
            "string $name, int $type, int $size = 0",
            "bool",
        ),
        m("create", t_create, "", "bool"),
        m("destroy", t_destroy, "", "bool"),
        m("set", t_set, "string $key, array $value", "bool"),
        m("get", t_get, "string $key, ?string $field = null", "mixed"),
        m("count", t_count, "", "int"),
        m("del", t_del, "string $key", "bool"),
        m("exists", t_exists, "string $key", "bool"),
        m("exist", t_exists, "string $key", "bool"),
        m(
            "incr",
            t_incr,
            "string $key, string $column, int|float $incrby = 1",
            "int|float",
        ),
        m(
            "decr",
            t_decr,
            "string $key, string $column, int|float $incrby = 1",
            "int|float",
        ),
        m("getSize", t_get_size, "", "int"),
        m("getMemorySize", t_get_memory_size, "", "int"),
        m("stats", t_stats, "", "array|false"),
        m("rewind", t_rewind, "", "void"),
        m("valid", t_valid, "", "bool"),
        m("next", t_next, "", "void"),
        m("current", t_current, "", "mixed"),
        m("key", t_key, "", "mixed"),
    ];
    TABLE.set(c.register());
}

/// Forgets every table (request shutdown).
pub fn clear() {
    let tables = TABLES.with(|t| std::mem::take(&mut *t.borrow_mut()));
    drop(tables);
    CURSORS.with(|c| c.borrow_mut().clear());
}

fn handle(ex: &mut ExecuteData) -> Option<(u32, *mut zend_object)> {
    zend::this_object(ex)
}

fn with_table<R>(h: u32, f: impl FnOnce(&mut Table) -> R) -> Option<R> {
    TABLES.with(|t| t.borrow_mut().get_mut(&h).map(f))
}

/// What Swoole checks first in set/get/exists/del/incr/decr/destroy and
/// the iterator: a table not created (or destroyed) is a fatal error.
/// Called before anything that needs dropping is held (the error leaves
/// by a jump).
fn created_or_fatal(ex: &mut ExecuteData) -> bool {
    let created = handle(ex).and_then(|(h, _)| with_table(h, |t| t.is_created()));
    if created == Some(true) {
        return true;
    }
    zend::fatal_docref("table is not created or has been destroyed");
    false
}

fn warn(e: &TableError) {
    zend::warning_docref(&e.to_string());
}

fn value_zval(v: &Value) -> Zval {
    match v {
        Value::Int(i) => zlong(*i),
        Value::Float(f) => zdouble(*f),
        Value::Str(s) => zstr(s),
    }
}

fn row_array(columns: &[(String, ColumnType)], row: &[Value]) -> Zval {
    let mut a = ZendHashTable::new();
    for ((name, _), v) in columns.iter().zip(row) {
        zend::ht_set(&mut a, name, value_zval(v));
    }
    zarray(a)
}

/// A PHP value for a table cell.
fn php_value(z: &Zval) -> Value {
    let z = z.dereference();
    if let Some(i) = z.long() {
        Value::Int(i)
    } else if let Some(f) = z.double() {
        Value::Float(f)
    } else if let Some(b) = z.bool() {
        Value::Int(i64::from(b))
    } else if let Some(s) = zend::str_bytes(z) {
        Value::Str(s.to_vec())
    } else {
        Value::Str(z.coerce_to_string().unwrap_or_default().into_bytes())
    }
}

fn t_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(size) = args.long(0, "table_size") else {
        return;
    };
    let conflict = args.float_or(1, 0.2);
    let Some((h, o)) = handle(ex) else { return };
    let table = Table::new(usize::try_from(size.max(1)).unwrap_or(1), conflict);
    zend::set_prop(o, "size", zlong(table.size() as i64));
    let old = TABLES.with(|t| t.borrow_mut().insert(h, table));
    drop(old);
    CURSORS.with(|c| c.borrow_mut().remove(&h));
}

fn t_column(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 3) else {
        return;
    };
    let Some(name) = args.string(0, "name") else {
        return;
    };
    let Some(ty) = args.long(1, "type") else {
        return;
    };
    let Some(size) = args.long_or(2, "size", 0) else {
        return;
    };
    let Some((h, _)) = handle(ex) else { return };
    let ty = match ty {
        1 => ColumnType::Int,
        2 => ColumnType::Float,
        3 => ColumnType::Str(usize::try_from(size.max(0)).unwrap_or(0)),
        _ => {
            zend::warning_docref(&format!("unknown column type {ty}"));
            rv.set_bool(false);
            return;
        }
    };
    match with_table(h, |t| t.add_column(&name, ty)) {
        Some(Ok(())) => rv.set_bool(true),
        Some(Err(e)) => {
            warn(&e);
            rv.set_bool(false)
        }
        None => rv.set_bool(false),
    }
}

fn t_create(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, o)) = handle(ex) else { return };
    match with_table(h, |t| t.create().then(|| t.memory_size())) {
        Some(Some(mem)) => {
            zend::set_prop(o, "memorySize", zlong(mem as i64));
            rv.set_bool(true);
        }
        Some(None) => {
            warn(&TableError::Full);
            rv.set_bool(false);
        }
        None => rv.set_bool(false),
    }
}

fn t_destroy(ex: &mut ExecuteData, rv: &mut Zval) {
    if !created_or_fatal(ex) {
        return;
    }
    let Some((h, _)) = handle(ex) else { return };
    rv.set_bool(with_table(h, |t| t.destroy()).is_some());
}

fn t_set(ex: &mut ExecuteData, rv: &mut Zval) {
    if !created_or_fatal(ex) {
        return;
    }
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let Some(key) = args.bytes(0, "key") else {
        return;
    };
    let Some(arr) = args.array(1, "value") else {
        return;
    };
    let values: Vec<(String, Value)> = arr
        .iter()
        .map(|(k, v)| (k.to_string(), php_value(v)))
        .collect();
    let Some((h, _)) = handle(ex) else { return };
    if key.len() > crate::worker::table::MAX_KEY_LEN {
        // Swoole warns, then stores it under its first 63 bytes.
        errors::set_last_error(errors::PHP_FATAL_ERROR);
        zend::warning_docref(&format!(
            "key[{}] is too long",
            String::from_utf8_lossy(&key)
        ));
    }
    match with_table(h, |t| t.set(&key, values)) {
        Some(Ok(cut)) => {
            // Swoole's TableRow::set_value() line for each string cut.
            for field in cut {
                crate::runtime::log::write(
                    crate::runtime::log::Level::Warning,
                    super::server::in_worker(),
                    &format!(
                        "TableRow::set_value(): [key={},field={field}]string value is too long",
                        String::from_utf8_lossy(&key)
                    ),
                );
            }
            rv.set_bool(true)
        }
        Some(Err(TableError::Full)) => {
            // Swoole's wording, with the key as given.
            zend::warning_docref(&format!(
                "failed to set('{}'), unable to allocate memory",
                String::from_utf8_lossy(&key)
            ));
            rv.set_bool(false)
        }
        Some(Err(e)) => {
            warn(&e);
            rv.set_bool(false)
        }
        None => rv.set_bool(false),
    }
}

fn t_get(ex: &mut ExecuteData, rv: &mut Zval) {
    if !created_or_fatal(ex) {
        return;
    }
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(key) = args.bytes(0, "key") else {
        return;
    };
    let field = match args.get(1) {
        Some(z) if !z.is_null() => match args.string(1, "field") {
            Some(f) => Some(f),
            None => return,
        },
        _ => None,
    };
    let Some((h, _)) = handle(ex) else { return };
    let out = with_table(h, |t| match &field {
        None => Ok(t.get(&key).map(|row| row_array(t.columns(), &row))),
        Some(f) => t.get_field(&key, f).map(|v| v.as_ref().map(value_zval)),
    });
    match out {
        Some(Ok(Some(z))) => *rv = z,
        // Swoole's get($key, $unknown_column) is false, quietly.
        Some(Err(TableError::NoSuchColumn(_))) => rv.set_bool(false),
        Some(Err(e)) => {
            warn(&e);
            rv.set_bool(false)
        }
        _ => rv.set_bool(false),
    }
}

fn t_count(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = handle(ex) else { return };
    rv.set_long(with_table(h, |t| t.count() as i64).unwrap_or(0));
}

fn t_del(ex: &mut ExecuteData, rv: &mut Zval) {
    if !created_or_fatal(ex) {
        return;
    }
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(key) = args.bytes(0, "key") else {
        return;
    };
    let Some((h, _)) = handle(ex) else { return };
    rv.set_bool(with_table(h, |t| t.del(&key)).unwrap_or(false));
}

fn t_exists(ex: &mut ExecuteData, rv: &mut Zval) {
    if !created_or_fatal(ex) {
        return;
    }
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(key) = args.bytes(0, "key") else {
        return;
    };
    let Some((h, _)) = handle(ex) else { return };
    rv.set_bool(with_table(h, |t| t.exists(&key)).unwrap_or(false));
}

fn incr_impl(ex: &mut ExecuteData, rv: &mut Zval, sign: i64) {
    if !created_or_fatal(ex) {
        return;
    }
    let Some(args) = Args::parse(ex, 2, 3) else {
        return;
    };
    let Some(key) = args.bytes(0, "key") else {
        return;
    };
    let Some(column) = args.string(1, "column") else {
        return;
    };
    let by = match args.get(2).map(php_value) {
        None => Value::Int(sign),
        Some(Value::Int(i)) => Value::Int(i.wrapping_mul(sign)),
        Some(Value::Float(f)) => Value::Float(f * sign as f64),
        Some(Value::Str(s)) => Value::Str(s),
    };
    let Some((h, _)) = handle(ex) else { return };
    match with_table(h, |t| t.incr(&key, &column, by)) {
        Some(Ok(v)) => *rv = value_zval(&v),
        Some(Err(e)) => {
            warn(&e);
            rv.set_bool(false)
        }
        None => rv.set_bool(false),
    }
}

fn t_incr(ex: &mut ExecuteData, rv: &mut Zval) {
    incr_impl(ex, rv, 1);
}

fn t_decr(ex: &mut ExecuteData, rv: &mut Zval) {
    incr_impl(ex, rv, -1);
}

fn t_get_size(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = handle(ex) else { return };
    rv.set_long(with_table(h, |t| t.size() as i64).unwrap_or(0));
}

fn t_get_memory_size(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = handle(ex) else { return };
    rv.set_long(with_table(h, |t| t.memory_size() as i64).unwrap_or(0));
}

fn t_stats(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = handle(ex) else { return };
    let stats = with_table(h, |t| {
        let mut a = ZendHashTable::new();
        let _ = a.insert("num", zlong(t.count() as i64));
        let _ = a.insert("conflict_count", zlong(0));
        let _ = a.insert("conflict_max_level", zlong(0));
        let _ = a.insert("insert_count", zlong(t.count() as i64));
        let _ = a.insert("update_count", zlong(0));
        let _ = a.insert("delete_count", zlong(0));
        let _ = a.insert("available_slice_num", zlong((t.size() - t.count()) as i64));
        let _ = a.insert("total_slice_num", zlong(t.size() as i64));
        zarray(a)
    });
    match stats {
        Some(z) => *rv = z,
        None => rv.set_bool(false),
    }
}

fn t_rewind(ex: &mut ExecuteData, _rv: &mut Zval) {
    if !created_or_fatal(ex) {
        return;
    }
    let Some((h, _)) = handle(ex) else { return };
    let keys = with_table(h, |t| t.keys()).unwrap_or_default();
    CURSORS.with(|c| c.borrow_mut().insert(h, (keys, 0)));
}

/// The current key of the iteration, skipping rows deleted since rewind.
fn cursor_key(h: u32) -> Option<Vec<u8>> {
    loop {
        let key = CURSORS.with(|c| {
            c.borrow()
                .get(&h)
                .and_then(|(keys, pos)| keys.get(*pos).cloned())
        })?;
        if with_table(h, |t| t.exists(&key)).unwrap_or(false) {
            return Some(key);
        }
        CURSORS.with(|c| {
            if let Some((_, pos)) = c.borrow_mut().get_mut(&h) {
                *pos += 1;
            }
        });
    }
}

fn t_valid(ex: &mut ExecuteData, rv: &mut Zval) {
    if !created_or_fatal(ex) {
        return;
    }
    let Some((h, _)) = handle(ex) else { return };
    rv.set_bool(cursor_key(h).is_some());
}

fn t_next(ex: &mut ExecuteData, _rv: &mut Zval) {
    if !created_or_fatal(ex) {
        return;
    }
    let Some((h, _)) = handle(ex) else { return };
    CURSORS.with(|c| {
        if let Some((_, pos)) = c.borrow_mut().get_mut(&h) {
            *pos += 1;
        }
    });
}

fn t_current(ex: &mut ExecuteData, rv: &mut Zval) {
    if !created_or_fatal(ex) {
        return;
    }
    let Some((h, _)) = handle(ex) else { return };
    let row = cursor_key(h).and_then(|k| {
        with_table(h, |t| t.get(&k).map(|row| row_array(t.columns(), &row))).flatten()
    });
    match row {
        Some(z) => *rv = z,
        None => rv.set_null(),
    }
}

fn t_key(ex: &mut ExecuteData, rv: &mut Zval) {
    if !created_or_fatal(ex) {
        return;
    }
    let Some((h, _)) = handle(ex) else { return };
    match cursor_key(h) {
        Some(k) => *rv = zstr(k),
        None => rv.set_null(),
    }
}
