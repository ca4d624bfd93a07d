//! `Swoole\Coroutine\Channel`: a bounded queue between coroutines. A pop
//! from an empty channel (or a push to a full one) suspends the coroutine
//! until a push (pop) wakes it, the timeout passes, or `close()`.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

use ext_php_rs::ffi::zend_object;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::super::args::Args;
use super::super::classes::{m, Class, ClassSlot, Default, PUBLIC};
use super::super::zend::{self, zarray, zlong};
use super::{current, throw_out_of_coroutine, timeout_ms_arg, wait_woken, wake};

pub static CHANNEL: ClassSlot = ClassSlot::new();

/// Swoole's `errCode` values.
const OK: i64 = 0;
const TIMEOUT: i64 = -1;
/// SWOOLE_CHANNEL_CANCELED.
const CANCELED: i64 = -3;
const CLOSED: i64 = -2;

/// One channel's state: its values, and the coroutines waiting on it.
struct Chan {
    capacity: usize,
    queue: VecDeque<Zval>,
    /// Coroutines waiting to pop (to push), first come first served.
    consumers: VecDeque<i64>,
    producers: VecDeque<i64>,
    closed: bool,
}

thread_local! {
    static CHANNELS: RefCell<HashMap<u32, Chan>> = RefCell::new(HashMap::new());
}

pub fn register() {
    let mut c = Class::new("Swoole\\Coroutine\\Channel");
    c.props = vec![
        ("capacity", Default::Long(0), PUBLIC),
        ("errCode", Default::Long(0), PUBLIC),
    ];
    c.methods = vec![
        m("__construct", ch_construct, "int $size = 1", ""),
        m("push", ch_push, "mixed $data, float $timeout = -1", "bool"),
        m("pop", ch_pop, "float $timeout = -1", "mixed"),
        m("isEmpty", ch_is_empty, "", "bool"),
        m("isFull", ch_is_full, "", "bool"),
        m("close", ch_close, "", "bool"),
        m("stats", ch_stats, "", "array"),
        m("length", ch_length, "", "int"),
    ];
    c.constants = vec![];
    CHANNEL.set(c.register());
    super::super::classes::alias("Co\\Channel", CHANNEL.get());
    super::super::classes::alias("chan", CHANNEL.get());
}

/// Swoole's warning for each channel that coroutines still wait on (a
/// deadlock's, or a stopping worker's) as its destructor logs it, one per
/// kind of waiter.
pub fn report_discarded() {
    let lines: Vec<String> = CHANNELS.with(|c| {
        let all = c.borrow();
        let mut handles: Vec<&u32> = all.keys().collect();
        handles.sort_unstable();
        let mut lines = Vec::new();
        for h in handles {
            let Some(c) = all.get(h) else { continue };
            for (n, who) in [
                (c.producers.len(), "producers"),
                (c.consumers.len(), "consumers"),
            ] {
                if n > 0 {
                    lines.push(discarded_warning(n, who));
                }
            }
        }
        lines
    });
    for line in lines {
        crate::runtime::log::write(
            crate::runtime::log::Level::Warning,
            super::super::server::in_worker(),
            &line,
        );
    }
}

/// Forgets every channel and the values in them (request shutdown).
pub fn clear() {
    let all = CHANNELS.with(|c| std::mem::take(&mut *c.borrow_mut()));
    drop(all);
}

/// Swoole's `Channel::~Channel()` line for `n` waiting coroutines.
fn discarded_warning(n: usize, who: &str) -> String {
    format!("Channel::~Channel() (ERRNO 10003): channel is destroyed, {n} {who} will be discarded")
}

fn this(ex: &mut ExecuteData) -> Option<(u32, *mut zend_object)> {
    zend::this_object(ex)
}

fn with<R>(h: u32, f: impl FnOnce(&mut Chan) -> R) -> Option<R> {
    CHANNELS.with(|c| c.borrow_mut().get_mut(&h).map(f))
}

fn ch_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(size) = args.long_or(0, "size", 1) else {
        return;
    };
    let Some((h, obj)) = this(ex) else { return };
    let capacity = size.clamp(1, i64::from(i32::MAX)) as usize;
    CHANNELS.with(|c| {
        c.borrow_mut().insert(
            h,
            Chan {
                capacity,
                queue: VecDeque::new(),
                consumers: VecDeque::new(),
                producers: VecDeque::new(),
                closed: false,
            },
        )
    });
    zend::set_prop(obj, "capacity", zlong(capacity as i64));
}

/// Waits in `queue` of channel `h` until woken, at most `timeout` ms:
/// false when it timed out (or the coroutine could not wait).
fn wait_on(h: u32, consumer: bool, timeout: Option<u64>) -> bool {
    let cid = current();
    with(h, |c| {
        if consumer {
            c.consumers.push_back(cid)
        } else {
            c.producers.push_back(cid)
        }
    });
    let woken = wait_woken(cid, timeout);
    // A coroutine destroyed while it waits (at shutdown) stays counted:
    // Swoole's channel reports it discarded when it goes.
    if !woken && !zend::unwinding() {
        // Timed out: no longer waiting.
        with(h, |c| {
            c.consumers.retain(|&w| w != cid);
            c.producers.retain(|&w| w != cid);
        });
    }
    woken
}

/// Why a wait on the channel ended without a value: canceled
/// (`Coroutine::cancel()`) or timed out.
fn wait_failure() -> i64 {
    if super::is_canceled() {
        CANCELED
    } else {
        TIMEOUT
    }
}

fn set_err(obj: *mut zend_object, code: i64) {
    zend::set_prop(obj, "errCode", zlong(code));
}

fn ch_push(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(data) = args.get(0).map(zend::zcopy) else {
        return;
    };
    let timeout = timeout_ms_arg(&args, 1);
    let Some((h, obj)) = this(ex) else { return };
    if current() < 0 {
        throw_out_of_coroutine();
        return;
    }
    let mut data = Some(data);
    loop {
        let state = with(h, |c| {
            if c.closed {
                Push::Closed
            } else if c.queue.len() < c.capacity {
                if let Some(d) = data.take() {
                    c.queue.push_back(d);
                }
                Push::Done(c.consumers.pop_front())
            } else {
                Push::Full
            }
        })
        .unwrap_or(Push::Closed);
        match state {
            Push::Closed => {
                set_err(obj, CLOSED);
                rv.set_bool(false);
                return;
            }
            Push::Done(consumer) => {
                set_err(obj, OK);
                rv.set_bool(true);
                // Swoole switches to the waiting consumer at once.
                if let Some(cid) = consumer {
                    wake(cid, zlong(1));
                }
                return;
            }
            Push::Full => {}
        }
        // Full: wait for a pop.
        if !wait_on(h, false, timeout) {
            set_err(obj, wait_failure());
            rv.set_bool(false);
            return;
        }
    }
}

/// What a push found.
enum Push {
    Closed,
    /// Queued; the consumer to wake, if one waits.
    Done(Option<i64>),
    Full,
}

fn ch_pop(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let timeout = timeout_ms_arg(&args, 0);
    let Some((h, obj)) = this(ex) else { return };
    if current() < 0 {
        throw_out_of_coroutine();
        return;
    }
    loop {
        let state = with(h, |c| match c.queue.pop_front() {
            Some(v) => Ok(Some((v, c.producers.pop_front()))),
            None if c.closed => Err(CLOSED),
            None => Ok(None),
        });
        match state {
            None | Some(Err(_)) => {
                set_err(obj, CLOSED);
                rv.set_bool(false);
                return;
            }
            Some(Ok(Some((value, producer)))) => {
                set_err(obj, OK);
                *rv = value;
                if let Some(cid) = producer {
                    wake(cid, zlong(1));
                }
                return;
            }
            Some(Ok(None)) => {}
        }
        if !wait_on(h, true, timeout) {
            set_err(obj, wait_failure());
            rv.set_bool(false);
            return;
        }
    }
}

fn ch_close(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    let waiting = with(h, |c| {
        if c.closed {
            return None;
        }
        c.closed = true;
        let mut all: Vec<i64> = c.consumers.drain(..).collect();
        all.extend(c.producers.drain(..));
        Some(all)
    })
    .flatten();
    let Some(waiting) = waiting else {
        rv.set_bool(false);
        return;
    };
    rv.set_bool(true);
    // Every waiter wakes and finds the channel closed.
    for cid in waiting {
        wake(cid, zlong(2));
    }
}

fn ch_is_empty(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    rv.set_bool(with(h, |c| c.queue.is_empty()).unwrap_or(true));
}

fn ch_is_full(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    rv.set_bool(with(h, |c| c.queue.len() >= c.capacity).unwrap_or(false));
}

fn ch_length(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    rv.set_long(with(h, |c| c.queue.len() as i64).unwrap_or(0));
}

fn ch_stats(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    let (consumers, producers, queued) =
        with(h, |c| (c.consumers.len(), c.producers.len(), c.queue.len())).unwrap_or((0, 0, 0));
    let mut a = ZendHashTable::new();
    let _ = a.insert("consumer_num", zlong(consumers as i64));
    let _ = a.insert("producer_num", zlong(producers as i64));
    let _ = a.insert("queue_num", zlong(queued as i64));
    *rv = zarray(a);
}
