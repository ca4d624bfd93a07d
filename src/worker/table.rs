//! The storage behind `Swoole\Table`: fixed columns (int, float, string
//! of a maximum size), string keys of at most 63 bytes, a row limit.
//!
//! One worker process today, so the rows live in this process; the
//! many-workers issue moves them to shared memory without changing this
//! interface.

use std::collections::BTreeMap;

/// Swoole's longest key (its 64-byte key slot holds a NUL).
pub const MAX_KEY_LEN: usize = 63;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Int,
    Float,
    /// A string of at most this many bytes (longer ones are cut).
    Str(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
}

impl ColumnType {
    fn zero(self) -> Value {
        match self {
            ColumnType::Int => Value::Int(0),
            ColumnType::Float => Value::Float(0.0),
            ColumnType::Str(_) => Value::Str(Vec::new()),
        }
    }

    /// Stores `v` as this column stores it: numbers converted, strings cut.
    fn coerce(self, v: Value) -> Value {
        match (self, v) {
            (ColumnType::Int, Value::Int(i)) => Value::Int(i),
            (ColumnType::Int, Value::Float(f)) => Value::Int(f as i64),
            (ColumnType::Int, Value::Str(s)) => Value::Int(parse_number(&s) as i64),
            (ColumnType::Float, Value::Int(i)) => Value::Float(i as f64),
            (ColumnType::Float, Value::Float(f)) => Value::Float(f),
            (ColumnType::Float, Value::Str(s)) => Value::Float(parse_number(&s)),
            (ColumnType::Str(max), Value::Str(mut s)) => {
                s.truncate(max);
                Value::Str(s)
            }
            (ColumnType::Str(max), Value::Int(i)) => {
                let mut s = i.to_string().into_bytes();
                s.truncate(max);
                Value::Str(s)
            }
            (ColumnType::Str(max), Value::Float(f)) => {
                let mut s = f.to_string().into_bytes();
                s.truncate(max);
                Value::Str(s)
            }
        }
    }

    /// Bytes one value takes in Swoole's row layout (for `memorySize`).
    fn width(self) -> usize {
        match self {
            ColumnType::Int | ColumnType::Float => 8,
            ColumnType::Str(n) => n + 4,
        }
    }
}

fn parse_number(s: &[u8]) -> f64 {
    let t = String::from_utf8_lossy(s);
    let t = t.trim();
    // PHP's leading-numeric conversion: the longest numeric prefix.
    let end = t
        .char_indices()
        .take_while(|(i, c)| {
            c.is_ascii_digit() || *c == '.' || ((*c == '-' || *c == '+') && *i == 0)
        })
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    t[..end].parse().unwrap_or(0.0)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableError {
    NotCreated,
    AlreadyCreated,
    KeyTooLong,
    EmptyKey,
    Full,
    NoSuchColumn(String),
    NotNumeric(String),
}

impl std::fmt::Display for TableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TableError::NotCreated => write!(f, "table is not created or has been destroyed"),
            TableError::AlreadyCreated => {
                write!(f, "unable to add column after table has been created")
            }
            TableError::KeyTooLong => {
                write!(f, "key is too long, the maximum length is {MAX_KEY_LEN}")
            }
            TableError::EmptyKey => write!(f, "key cannot be empty"),
            TableError::Full => write!(f, "unable to allocate memory"),
            TableError::NoSuchColumn(c) => write!(f, "column[{c}] does not exist"),
            TableError::NotNumeric(c) => write!(f, "column[{c}] is not a number"),
        }
    }
}

#[derive(Debug, Default)]
pub struct Table {
    size: usize,
    columns: Vec<(String, ColumnType)>,
    rows: BTreeMap<Vec<u8>, Vec<Value>>,
    created: bool,
}

impl Table {
    /// A table for `size` rows (rounded up to a power of two, as Swoole).
    pub fn new(size: usize) -> Table {
        Table {
            size: size
                .max(1)
                .checked_next_power_of_two()
                .unwrap_or(usize::MAX),
            ..Table::default()
        }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn columns(&self) -> &[(String, ColumnType)] {
        &self.columns
    }

    pub fn is_created(&self) -> bool {
        self.created
    }

    /// Adds (or redefines) a column; only before `create()`.
    pub fn add_column(&mut self, name: &str, ty: ColumnType) -> Result<(), TableError> {
        if self.created {
            return Err(TableError::AlreadyCreated);
        }
        match self.columns.iter_mut().find(|(n, _)| n == name) {
            Some(col) => col.1 = ty,
            None => self.columns.push((name.to_string(), ty)),
        }
        Ok(())
    }

    pub fn create(&mut self) {
        self.created = true;
    }

    /// Drops every row and the table itself (`destroy()`).
    pub fn destroy(&mut self) {
        self.rows.clear();
        self.created = false;
    }

    /// What the table would take in Swoole's layout.
    pub fn memory_size(&self) -> usize {
        let row: usize = self.columns.iter().map(|(_, t)| t.width()).sum::<usize>() + 64 + 24;
        row.saturating_mul(self.size)
    }

    fn check_key(&self, key: &[u8]) -> Result<(), TableError> {
        if !self.created {
            return Err(TableError::NotCreated);
        }
        if key.is_empty() {
            return Err(TableError::EmptyKey);
        }
        if key.len() > MAX_KEY_LEN {
            return Err(TableError::KeyTooLong);
        }
        Ok(())
    }

    fn column(&self, name: &str) -> Result<(usize, ColumnType), TableError> {
        self.columns
            .iter()
            .position(|(n, _)| n == name)
            .map(|i| (i, self.columns[i].1))
            .ok_or_else(|| TableError::NoSuchColumn(name.to_string()))
    }

    fn row_mut(&mut self, key: &[u8]) -> Result<&mut Vec<Value>, TableError> {
        self.check_key(key)?;
        if !self.rows.contains_key(key) {
            if self.rows.len() >= self.size {
                return Err(TableError::Full);
            }
            let zero = self.columns.iter().map(|(_, t)| t.zero()).collect();
            self.rows.insert(key.to_vec(), zero);
        }
        self.rows.get_mut(key).ok_or(TableError::Full)
    }

    /// Sets the given columns of a row (creating it with zeros); unknown
    /// column names are ignored, as Swoole ignores them.
    pub fn set(&mut self, key: &[u8], values: Vec<(String, Value)>) -> Result<(), TableError> {
        let columns = self.columns.clone();
        let row = self.row_mut(key)?;
        for (name, value) in values {
            if let Some(i) = columns.iter().position(|(n, _)| *n == name) {
                row[i] = columns[i].1.coerce(value);
            }
        }
        Ok(())
    }

    pub fn get(&self, key: &[u8]) -> Option<&[Value]> {
        self.rows.get(key).map(Vec::as_slice)
    }

    /// One column of a row.
    pub fn get_field(&self, key: &[u8], column: &str) -> Result<Option<&Value>, TableError> {
        let (i, _) = self.column(column)?;
        Ok(self.rows.get(key).map(|row| &row[i]))
    }

    pub fn exists(&self, key: &[u8]) -> bool {
        self.rows.contains_key(key)
    }

    pub fn del(&mut self, key: &[u8]) -> bool {
        self.rows.remove(key).is_some()
    }

    pub fn count(&self) -> usize {
        self.rows.len()
    }

    /// Adds `by` to a numeric column (creating the row with zeros); returns
    /// the new value.
    pub fn incr(&mut self, key: &[u8], column: &str, by: Value) -> Result<Value, TableError> {
        let (i, ty) = self.column(column)?;
        if matches!(ty, ColumnType::Str(_)) {
            return Err(TableError::NotNumeric(column.to_string()));
        }
        let row = self.row_mut(key)?;
        let new = match (&row[i], ty.coerce(by)) {
            (Value::Int(a), Value::Int(b)) => Value::Int(a.wrapping_add(b)),
            (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
            _ => return Err(TableError::NotNumeric(column.to_string())),
        };
        row[i] = new.clone();
        Ok(new)
    }

    /// Keys in iteration order (a snapshot, so a loop may delete rows).
    pub fn keys(&self) -> Vec<Vec<u8>> {
        self.rows.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> Table {
        let mut t = Table::new(3);
        t.add_column("fd", ColumnType::Int).expect("column");
        t.add_column("score", ColumnType::Float).expect("column");
        t.add_column("name", ColumnType::Str(4)).expect("column");
        t.create();
        t
    }

    #[test]
    fn size_is_a_power_of_two_and_bounds_the_rows() {
        let mut t = users();
        assert_eq!(t.size(), 4);
        for k in ["a", "b", "c", "d"] {
            t.set(k.as_bytes(), vec![]).expect("room");
        }
        assert_eq!(t.set(b"e", vec![]), Err(TableError::Full));
        assert!(t.del(b"a"));
        t.set(b"e", vec![]).expect("room again");
    }

    #[test]
    fn set_coerces_and_cuts_and_ignores_unknown_columns() {
        let mut t = users();
        t.set(
            b"u1",
            vec![
                ("fd".into(), Value::Str(b"12abc".to_vec())),
                ("name".into(), Value::Str(b"alexander".to_vec())),
                ("nope".into(), Value::Int(1)),
            ],
        )
        .expect("set");
        assert_eq!(
            t.get(b"u1").expect("row"),
            &[
                Value::Int(12),
                Value::Float(0.0),
                Value::Str(b"alex".to_vec())
            ]
        );
        assert_eq!(t.get_field(b"u1", "fd"), Ok(Some(&Value::Int(12))));
        assert!(matches!(
            t.get_field(b"u1", "x"),
            Err(TableError::NoSuchColumn(_))
        ));
    }

    #[test]
    fn incr_creates_the_row_and_rejects_strings() {
        let mut t = users();
        assert_eq!(t.incr(b"k", "fd", Value::Int(2)), Ok(Value::Int(2)));
        assert_eq!(t.incr(b"k", "fd", Value::Int(-5)), Ok(Value::Int(-3)));
        assert_eq!(
            t.incr(b"k", "score", Value::Float(0.5)),
            Ok(Value::Float(0.5))
        );
        assert!(matches!(
            t.incr(b"k", "name", Value::Int(1)),
            Err(TableError::NotNumeric(_))
        ));
    }

    #[test]
    fn keys_are_checked() {
        let mut t = users();
        assert_eq!(t.set(&[b'k'; 64], vec![]), Err(TableError::KeyTooLong));
        assert_eq!(t.set(b"", vec![]), Err(TableError::EmptyKey));
        t.set(&[b'k'; 63], vec![]).expect("63 bytes fit");
        let mut fresh = Table::new(8);
        assert_eq!(fresh.set(b"a", vec![]), Err(TableError::NotCreated));
        assert_eq!(fresh.add_column("x", ColumnType::Int), Ok(()));
        fresh.create();
        assert_eq!(
            fresh.add_column("y", ColumnType::Int),
            Err(TableError::AlreadyCreated)
        );
    }
}
