//! The storage behind `Swoole\Table`: fixed columns (int, float, string
//! of a maximum size), string keys of at most 63 bytes, a row limit.
//!
//! As in Swoole, `create()` puts the rows in shared memory (an anonymous
//! `MAP_SHARED` mapping), so a table created before `start()` is one table
//! for every worker process forked after. The rows are a fixed-size,
//! open-addressing hash (twice as many slots as rows, linear probing,
//! deletion by backward shift) guarded by one process-shared, robust mutex:
//! a worker killed while holding it does not leave the others locked out.

use crate::runtime::shared::{RobustGuard, RobustMutex};

/// Swoole's longest key (its 64-byte key slot holds a NUL).
pub const MAX_KEY_LEN: usize = 63;

/// The key a row is stored and found under: its first [`MAX_KEY_LEN`]
/// bytes, as Swoole cuts a longer one (set() warns about it).
fn stored_key(key: &[u8]) -> &[u8] {
    &key[..key.len().min(MAX_KEY_LEN)]
}

/// Swoole's least table size (`Table::make`: a power of two from 64).
const MIN_SIZE: usize = 64;
/// Swoole's largest table size (`SW_TABLE_MAX_ROW_SIZE`).
const MAX_SIZE: usize = 0x8000_0000;
/// Swoole's least (and default) `conflict_proportion`.
pub const DEFAULT_CONFLICT_PROPORTION: f64 = 0.2;

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
    /// Stores `v` as this column stores it: numbers converted, strings cut
    /// (true when a string was cut to the column's size).
    fn coerce(self, v: Value) -> (Value, bool) {
        let cut = |mut s: Vec<u8>, max: usize| {
            let long = s.len() > max;
            s.truncate(max);
            (Value::Str(s), long)
        };
        match (self, v) {
            (ColumnType::Int, Value::Int(i)) => (Value::Int(i), false),
            (ColumnType::Int, Value::Float(f)) => (Value::Int(f as i64), false),
            (ColumnType::Int, Value::Str(s)) => (Value::Int(parse_number(&s) as i64), false),
            (ColumnType::Float, Value::Int(i)) => (Value::Float(i as f64), false),
            (ColumnType::Float, Value::Float(f)) => (Value::Float(f), false),
            (ColumnType::Float, Value::Str(s)) => (Value::Float(parse_number(&s)), false),
            (ColumnType::Str(max), Value::Str(s)) => cut(s, max),
            (ColumnType::Str(max), Value::Int(i)) => cut(i.to_string().into_bytes(), max),
            (ColumnType::Str(max), Value::Float(f)) => cut(f.to_string().into_bytes(), max),
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
            TableError::Full => write!(f, "unable to allocate memory"),
            TableError::NoSuchColumn(c) => write!(f, "column[{c}] does not exist"),
            TableError::NotNumeric(c) => write!(f, "column[{c}] is not a number"),
        }
    }
}

#[derive(Debug, Default)]
pub struct Table {
    size: usize,
    /// The most rows it holds: `size` plus Swoole's pool for colliding
    /// rows (`conflict_proportion` of it).
    max_rows: usize,
    columns: Vec<(String, ColumnType)>,
    rows: Option<SharedRows>,
    created: bool,
}

/// Bytes before the first value of a slot: used flag, key length, key.
const SLOT_HEAD: usize = 72;

#[repr(C)]
struct Header {
    lock: libc::pthread_mutex_t,
    count: u64,
}

/// The rows, in a shared mapping: a [`Header`], then `cap` slots.
struct SharedRows {
    mutex: RobustMutex,
    base: *mut u8,
    len: usize,
    cap: usize,
    slot_size: usize,
    /// Per column: offset of its value within a slot, and its type.
    layout: Vec<(usize, ColumnType)>,
}

impl std::fmt::Debug for SharedRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedRows")
            .field("cap", &self.cap)
            .finish()
    }
}

/// Holds the table's lock; unlocks on drop.
struct Locked<'a>(#[allow(dead_code)] RobustGuard<'a>);

fn fnv1a(key: &[u8]) -> u64 {
    key.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl SharedRows {
    fn new(rows: usize, columns: &[(String, ColumnType)]) -> Result<SharedRows, TableError> {
        let mut layout = Vec::with_capacity(columns.len());
        let mut off = SLOT_HEAD;
        for (_, ty) in columns {
            layout.push((off, *ty));
            off += match ty {
                ColumnType::Int | ColumnType::Float => 8,
                ColumnType::Str(n) => (4 + n).next_multiple_of(8),
            };
        }
        let slot_size = off;
        // A power of two: probing steps with a mask.
        let cap = rows.saturating_mul(2).max(2).next_power_of_two();
        let header = std::mem::size_of::<Header>().next_multiple_of(64);
        let len = cap
            .checked_mul(slot_size)
            .and_then(|n| n.checked_add(header))
            .ok_or(TableError::Full)?;
        let base = crate::runtime::shared::map_shared(len).map_err(|_| TableError::Full)?;
        // SAFETY: the zeroed header's mutex, in the mapping made above, which
        // no other process can see yet, and which lives as long as the rows.
        let mutex =
            unsafe { RobustMutex::init(std::ptr::addr_of_mut!((*base.cast::<Header>()).lock)) };
        Ok(SharedRows {
            mutex,
            base,
            len,
            cap,
            slot_size,
            layout,
        })
    }

    fn header(&self) -> *mut Header {
        self.base.cast()
    }

    fn lock(&self) -> Locked<'_> {
        // A process that died holding the lock: each operation leaves the
        // rows consistent before it returns, except mid-write of one row,
        // which the next set() overwrites.
        Locked(self.mutex.lock())
    }

    fn count(&self, _l: &Locked) -> usize {
        // SAFETY: the header is ours while locked.
        unsafe { (*self.header()).count as usize }
    }

    fn set_count(&self, _l: &Locked, n: usize) {
        // SAFETY: as above.
        unsafe { (*self.header()).count = n as u64 };
    }

    fn slot_ptr(&self, i: usize) -> *mut u8 {
        let header = std::mem::size_of::<Header>().next_multiple_of(64);
        // SAFETY: i < cap, so the slot lies inside the mapping.
        unsafe { self.base.add(header + i * self.slot_size) }
    }

    /// A slot's bytes, to read. Callers hold the lock, so no other process
    /// writes them meanwhile.
    fn slot(&self, i: usize) -> &[u8] {
        // SAFETY: see slot_ptr; writes only happen through slot_mut, which
        // needs the lock exclusively.
        unsafe { std::slice::from_raw_parts(self.slot_ptr(i), self.slot_size) }
    }

    /// A slot's bytes, to write (the lock held by this caller).
    fn slot_mut<'a>(&'a self, _l: &'a mut Locked, i: usize) -> &'a mut [u8] {
        // SAFETY: as slot(); the exclusive borrow of the lock guard keeps
        // any other slice of this process from being alive at the same time.
        unsafe { std::slice::from_raw_parts_mut(self.slot_ptr(i), self.slot_size) }
    }

    fn slot_key(&self, i: usize) -> Option<&[u8]> {
        let s = self.slot(i);
        (s[0] != 0).then(|| &s[2..2 + usize::from(s[1]).min(MAX_KEY_LEN)])
    }

    fn home(&self, key: &[u8]) -> usize {
        (fnv1a(key) as usize) & (self.cap - 1)
    }

    /// The slot holding `key`, or the empty slot where it would go.
    fn probe(&self, key: &[u8]) -> Result<usize, usize> {
        let key = stored_key(key);
        let mut i = self.home(key);
        loop {
            match self.slot_key(i) {
                None => return Err(i),
                Some(k) if k == key => return Ok(i),
                Some(_) => i = (i + 1) & (self.cap - 1),
            }
        }
    }

    fn read_value(&self, i: usize, col: usize) -> Value {
        let (off, ty) = self.layout[col];
        let s = self.slot(i);
        let word = |o: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&s[o..o + 8]);
            b
        };
        match ty {
            ColumnType::Int => Value::Int(i64::from_le_bytes(word(off))),
            ColumnType::Float => Value::Float(f64::from_le_bytes(word(off))),
            ColumnType::Str(max) => {
                let mut b = [0u8; 4];
                b.copy_from_slice(&s[off..off + 4]);
                let n = (u32::from_le_bytes(b) as usize).min(max);
                Value::Str(s[off + 4..off + 4 + n].to_vec())
            }
        }
    }

    /// Writes an already coerced value.
    fn write_value(&self, l: &mut Locked, i: usize, col: usize, v: &Value) {
        let (off, _) = self.layout[col];
        let s = self.slot_mut(l, i);
        match v {
            Value::Int(x) => s[off..off + 8].copy_from_slice(&x.to_le_bytes()),
            Value::Float(x) => s[off..off + 8].copy_from_slice(&x.to_le_bytes()),
            Value::Str(b) => {
                s[off..off + 4].copy_from_slice(&(b.len() as u32).to_le_bytes());
                s[off + 4..off + 4 + b.len()].copy_from_slice(b);
            }
        }
    }

    fn read_row(&self, i: usize) -> Vec<Value> {
        (0..self.layout.len())
            .map(|c| self.read_value(i, c))
            .collect()
    }

    /// The slot of `key`, inserting a zeroed row if it is new.
    fn row_slot(&self, l: &mut Locked, key: &[u8], size: usize) -> Result<usize, TableError> {
        let key = stored_key(key);
        match self.probe(key) {
            Ok(i) => Ok(i),
            Err(i) => {
                let n = self.count(l);
                if n >= size {
                    return Err(TableError::Full);
                }
                let s = self.slot_mut(l, i);
                s.fill(0);
                s[0] = 1;
                s[1] = key.len() as u8;
                s[2..2 + key.len()].copy_from_slice(key);
                self.set_count(l, n + 1);
                Ok(i)
            }
        }
    }

    /// Removes the row in slot `i`, shifting later rows of its probe run
    /// back so that lookups never stop at a hole.
    fn remove_at(&self, l: &mut Locked, mut i: usize) {
        let mask = self.cap - 1;
        self.slot_mut(l, i).fill(0);
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let Some(key) = self.slot_key(j) else { break };
            let home = self.home(key);
            // Move j back to i unless its home lies cyclically in (i, j].
            let stays = if i <= j {
                i < home && home <= j
            } else {
                i < home || home <= j
            };
            if !stays {
                let moved = self.slot(j).to_vec();
                self.slot_mut(l, i).copy_from_slice(&moved);
                self.slot_mut(l, j).fill(0);
                i = j;
            }
        }
        self.set_count(l, self.count(l).saturating_sub(1));
    }
}

impl Drop for SharedRows {
    fn drop(&mut self) {
        // SAFETY: unmapping our own mapping (other processes keep theirs).
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}

impl Table {
    /// A table for `size` rows, as Swoole sizes it: a power of two, at
    /// least 64; it holds up to `conflict_proportion` (0.2 to 1) more rows,
    /// Swoole's pool for rows whose slot is taken.
    pub fn new(size: usize, conflict_proportion: f64) -> Table {
        let size = size
            .clamp(MIN_SIZE, MAX_SIZE)
            .checked_next_power_of_two()
            .unwrap_or(MAX_SIZE);
        let cp = if conflict_proportion.is_nan() {
            DEFAULT_CONFLICT_PROPORTION
        } else {
            conflict_proportion.clamp(DEFAULT_CONFLICT_PROPORTION, 1.0)
        };
        Table {
            size,
            max_rows: size + (size as f64 * cp) as usize,
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

    /// Allocates the rows in shared memory. False when the memory cannot be
    /// mapped (Swoole's "unable to allocate memory").
    pub fn create(&mut self) -> bool {
        if self.created {
            return true;
        }
        match SharedRows::new(self.max_rows, &self.columns) {
            Ok(rows) => {
                self.rows = Some(rows);
                self.created = true;
                true
            }
            Err(_) => false,
        }
    }

    /// Drops every row and the table itself (`destroy()`).
    pub fn destroy(&mut self) {
        self.rows = None;
        self.created = false;
    }

    fn rows(&self) -> Result<&SharedRows, TableError> {
        self.rows.as_ref().ok_or(TableError::NotCreated)
    }

    /// What the table takes in Swoole's layout; 0 until `create()`.
    pub fn memory_size(&self) -> usize {
        if !self.created {
            return 0;
        }
        let row: usize = self.columns.iter().map(|(_, t)| t.width()).sum::<usize>() + 64 + 24;
        row.saturating_mul(self.size)
    }

    fn check_key(&self, key: &[u8]) -> Result<(), TableError> {
        if !self.created {
            return Err(TableError::NotCreated);
        }
        // An empty key is a row like any other in Swoole (set() is true);
        // a longer key than MAX_KEY_LEN is its first MAX_KEY_LEN bytes
        // (`stored_key`).
        let _ = key;
        Ok(())
    }

    fn column(&self, name: &str) -> Result<(usize, ColumnType), TableError> {
        self.columns
            .iter()
            .position(|(n, _)| n == name)
            .map(|i| (i, self.columns[i].1))
            .ok_or_else(|| TableError::NoSuchColumn(name.to_string()))
    }

    /// Sets `key`'s row from `values`; the names of the string columns
    /// whose value was cut to the column's size (Swoole warns for each).
    pub fn set(
        &mut self,
        key: &[u8],
        values: Vec<(String, Value)>,
    ) -> Result<Vec<String>, TableError> {
        self.check_key(key)?;
        let rows = self.rows()?;
        let mut l = rows.lock();
        let i = rows.row_slot(&mut l, key, self.max_rows)?;
        let mut cut = Vec::new();
        for (name, value) in values {
            if let Some(c) = self.columns.iter().position(|(n, _)| *n == name) {
                let (value, was_cut) = self.columns[c].1.coerce(value);
                rows.write_value(&mut l, i, c, &value);
                if was_cut {
                    cut.push(name);
                }
            }
        }
        Ok(cut)
    }

    pub fn get(&self, key: &[u8]) -> Option<Vec<Value>> {
        let rows = self.rows().ok()?;
        let _l = rows.lock();
        rows.probe(key).ok().map(|i| rows.read_row(i))
    }

    pub fn get_field(&self, key: &[u8], column: &str) -> Result<Option<Value>, TableError> {
        let (c, _) = self.column(column)?;
        let rows = self.rows()?;
        let _l = rows.lock();
        Ok(rows.probe(key).ok().map(|i| rows.read_value(i, c)))
    }

    pub fn exists(&self, key: &[u8]) -> bool {
        self.rows().is_ok_and(|rows| {
            let _l = rows.lock();
            rows.probe(key).is_ok()
        })
    }

    pub fn del(&mut self, key: &[u8]) -> bool {
        let Ok(rows) = self.rows() else { return false };
        let mut l = rows.lock();
        match rows.probe(key) {
            Ok(i) => {
                rows.remove_at(&mut l, i);
                true
            }
            Err(_) => false,
        }
    }

    pub fn count(&self) -> usize {
        self.rows().map_or(0, |rows| {
            let l = rows.lock();
            rows.count(&l)
        })
    }

    /// Adds `by` to a numeric column (creating the row with zeros); returns
    /// the new value. Atomic across processes.
    pub fn incr(&mut self, key: &[u8], column: &str, by: Value) -> Result<Value, TableError> {
        let (c, ty) = self.column(column)?;
        if matches!(ty, ColumnType::Str(_)) {
            return Err(TableError::NotNumeric(column.to_string()));
        }
        self.check_key(key)?;
        let rows = self.rows()?;
        let mut l = rows.lock();
        let i = rows.row_slot(&mut l, key, self.max_rows)?;
        let new = match (rows.read_value(i, c), ty.coerce(by).0) {
            (Value::Int(a), Value::Int(b)) => Value::Int(a.wrapping_add(b)),
            (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
            _ => return Err(TableError::NotNumeric(column.to_string())),
        };
        rows.write_value(&mut l, i, c, &new);
        Ok(new)
    }

    /// Keys in iteration order (a snapshot, so a loop may delete rows).
    pub fn keys(&self) -> Vec<Vec<u8>> {
        let Ok(rows) = self.rows() else {
            return Vec::new();
        };
        let _l = rows.lock();
        let mut keys: Vec<Vec<u8>> = (0..rows.cap)
            .filter_map(|i| rows.slot_key(i).map(<[u8]>::to_vec))
            // Swoole's iterator does not show a row with an empty key.
            .filter(|k| !k.is_empty())
            .collect();
        keys.sort();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> Table {
        let mut t = Table::new(3, DEFAULT_CONFLICT_PROPORTION);
        t.add_column("fd", ColumnType::Int).expect("column");
        t.add_column("score", ColumnType::Float).expect("column");
        t.add_column("name", ColumnType::Str(4)).expect("column");
        t.create();
        t
    }

    #[test]
    fn size_is_a_power_of_two_from_64_and_bounds_the_rows() {
        let mut t = users();
        assert_eq!(t.size(), 64, "Swoole's least size");
        assert_eq!(Table::new(100, 0.2).size(), 128);
        assert_eq!(
            Table::new(1 << 40, 0.2).size(),
            0x8000_0000,
            "Swoole's largest"
        );
        // 64 rows and Swoole's pool for colliding ones: 0.2 of it.
        let keys: Vec<String> = (0..76).map(|i| format!("k{i}")).collect();
        for k in &keys {
            t.set(k.as_bytes(), vec![]).expect("room");
        }
        assert_eq!(t.set(b"e", vec![]), Err(TableError::Full));
        assert!(t.del(b"k0"));
        t.set(b"e", vec![]).expect("room again");
        // A larger conflict_proportion (at most 1) holds more.
        let mut big = Table::new(64, 5.0);
        big.add_column("v", ColumnType::Int).expect("column");
        assert!(big.create());
        for i in 0..128 {
            big.set(format!("k{i}").as_bytes(), vec![]).expect("room");
        }
        assert_eq!(big.set(b"one-too-many", vec![]), Err(TableError::Full));
    }

    #[test]
    fn set_coerces_and_cuts_and_ignores_unknown_columns() {
        let mut t = users();
        let cut = t
            .set(
                b"u1",
                vec![
                    ("fd".into(), Value::Str(b"12abc".to_vec())),
                    ("name".into(), Value::Str(b"alexander".to_vec())),
                    ("nope".into(), Value::Int(1)),
                ],
            )
            .expect("set");
        assert_eq!(cut, ["name"], "the string cut to its column's size");
        assert_eq!(
            t.set(b"u2", vec![("name".into(), Value::Str(b"alex".to_vec()))]),
            Ok(vec![]),
            "exactly the size is not cut"
        );
        assert_eq!(
            t.get(b"u1").expect("row"),
            vec![
                Value::Int(12),
                Value::Float(0.0),
                Value::Str(b"alex".to_vec())
            ]
        );
        assert_eq!(t.get_field(b"u1", "fd"), Ok(Some(Value::Int(12))));
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
    fn rows_are_shared_with_forked_processes() {
        let mut t = users();
        t.set(b"parent", vec![("fd".into(), Value::Int(1))])
            .unwrap();
        // SAFETY: the child only uses the shared mapping and _exits.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let ok = t.get(b"parent").is_some()
                && t.set(b"child", vec![("fd".into(), Value::Int(2))]).is_ok()
                && t.incr(b"parent", "fd", Value::Int(10)).is_ok();
            // SAFETY: the forked child ends here, without unwinding into
            // the test harness's copy.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert_eq!(status, 0);
        assert_eq!(t.get_field(b"child", "fd"), Ok(Some(Value::Int(2))));
        assert_eq!(t.get_field(b"parent", "fd"), Ok(Some(Value::Int(11))));
        assert_eq!(t.count(), 2);
    }

    #[test]
    fn deletes_keep_every_other_key_reachable() {
        // Many keys in a small table: long probe runs, deleted in an order
        // that exercises the backward shift.
        let mut t = Table::new(64, DEFAULT_CONFLICT_PROPORTION);
        t.add_column("v", ColumnType::Int).unwrap();
        assert!(t.create());
        let keys: Vec<String> = (0..76).map(|i| format!("key-{i}")).collect();
        for (i, k) in keys.iter().enumerate() {
            t.set(k.as_bytes(), vec![("v".into(), Value::Int(i as i64))])
                .unwrap();
        }
        assert_eq!(t.set(b"one-too-many", vec![]), Err(TableError::Full));
        for (i, k) in keys.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
            assert!(t.del(k.as_bytes()), "{i}");
        }
        for (i, k) in keys.iter().enumerate() {
            let got = t.get_field(k.as_bytes(), "v").unwrap();
            if i % 3 == 0 {
                assert_eq!(got, None);
            } else {
                assert_eq!(got, Some(Value::Int(i as i64)), "{k}");
            }
        }
        assert_eq!(t.count(), 76 - 26);
        assert_eq!(t.keys().len(), 50);
        assert!(!t.del(b"key-0"));
    }

    #[test]
    fn keys_are_checked() {
        let mut t = users();
        // A key over 63 bytes is its first 63, as Swoole cuts it.
        assert_eq!(
            t.set(&[b'k'; 64], vec![("fd".into(), Value::Int(7))]),
            Ok(vec![])
        );
        assert_eq!(t.get_field(&[b'k'; 63], "fd"), Ok(Some(Value::Int(7))));
        assert!(t.exists(&[b'k'; 70]));
        assert!(t.del(&[b'k'; 65]));
        assert!(!t.exists(&[b'k'; 63]));
        // Swoole stores an empty key; its iterator skips the row.
        assert_eq!(t.set(b"", vec![]), Ok(vec![]));
        assert!(t.exists(b""));
        assert!(t.keys().iter().all(|k| !k.is_empty()));
        t.set(&[b'k'; 63], vec![]).expect("63 bytes fit");
        let mut fresh = Table::new(8, DEFAULT_CONFLICT_PROPORTION);
        assert_eq!(fresh.memory_size(), 0);
        assert_eq!(fresh.set(b"a", vec![]), Err(TableError::NotCreated));
        assert_eq!(fresh.add_column("x", ColumnType::Int), Ok(()));
        fresh.create();
        assert_eq!(
            fresh.add_column("y", ColumnType::Int),
            Err(TableError::AlreadyCreated)
        );
    }
}
