//! `task()`, `taskwait()`, `taskWaitMulti()`, `finish()`, `sendMessage()`:
//! argument handling; the cross-process part is in `php::workers` and
//! `worker::cluster`.

use super::*;
use crate::worker::cluster::TaskOrigin;

pub(super) fn server_task(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(index) = args.long_or(1, "taskWorkerIndex", -1) else {
        return;
    };
    let finish = match args.get(2).filter(|z| !z.is_null()) {
        Some(z) => match zend::Callback::new(z) {
            Some(cb) => Some(cb),
            None => {
                zend::throw_type_error(&format!(
                    "{}(): Argument #3 ($finishCallback) must be a valid callback or null",
                    super::super::args::function_name(ex)
                ));
                return;
            }
        },
        None => None,
    };
    let Some(data) = args.get(0) else { return };
    match super::super::workers::task(data, index, finish) {
        Some(id) => rv.set_long(id),
        None => rv.set_bool(false),
    }
}

pub(super) fn server_taskwait(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let timeout = args.float_or(1, 0.5);
    let Some(index) = args.long_or(2, "taskWorkerIndex", -1) else {
        return;
    };
    let Some(data) = args.get(0) else { return };
    match super::super::workers::taskwait(data, timeout, index) {
        Some(v) => *rv = v,
        None => rv.set_bool(false),
    }
}

/// `taskWaitMulti($tasks, $timeout)`: each task in turn, results keyed as
/// the input; a task that timed out is left out, as in Swoole.
pub(super) fn server_task_wait_multi(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(tasks) = args.array(0, "tasks") else {
        return;
    };
    let timeout = args.float_or(1, 0.5);
    let deadline = std::time::Instant::now()
        + std::time::Duration::from_secs_f64(timeout.clamp(0.001, 86_400.0));
    let mut out = ZendHashTable::new();
    let entries: Vec<(i64, Zval)> = tasks
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (i as i64, zend::zcopy(v)))
        .collect();
    for (i, data) in entries {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            break;
        }
        if let Some(v) = super::super::workers::taskwait(&data, left.as_secs_f64(), -1) {
            let _ = out.insert_at_index(i, v);
        }
    }
    *rv = zarray(out);
}

pub(super) fn server_finish(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(data) = args.get(0) else { return };
    rv.set_bool(super::super::workers::finish(data));
}

pub(super) fn server_send_message(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let Some(dest) = args.long(1, "dst_worker_id") else {
        return;
    };
    let Some(data) = args.get(0) else { return };
    let Some(st) = state::current().filter(|s| s.running.get()) else {
        zend::warning_docref("server is not running");
        rv.set_bool(false);
        return;
    };
    rv.set_bool(super::super::workers::send_message(&st, data, dest));
}

// ---- Swoole\Server\Task ---------------------------------------------------------

pub static TASK: ClassSlot = ClassSlot::new();

pub(super) fn register_task_class() {
    let mut c = Class::new("Swoole\\Server\\Task");
    c.flags = 0x20; // ZEND_ACC_FINAL
    c.props = vec![
        ("data", Default::Null, PUBLIC),
        ("dispatch_time", Default::Double(0.0), PUBLIC),
        ("id", Default::Long(-1), PUBLIC),
        ("worker_id", Default::Long(-1), PUBLIC),
        ("flags", Default::Long(0), PUBLIC),
    ];
    c.methods = vec![m("finish", task_finish, "mixed $data", "bool")];
    TASK.set(c.register());
}

/// The `Swoole\Server\Task` onTask gets with `task_enable_coroutine` (or
/// `task_object`).
pub fn task_object(origin: TaskOrigin, wait: bool, serialized: bool, data: Zval) -> Zval {
    let z = zend::new_object(TASK.get());
    if let Some(o) = zend::obj_ptr(&z) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        // Swoole's task flags, as far as they say something here.
        let mut flags = 0;
        if serialized {
            flags |= TASK_SERIALIZE;
        }
        if !wait {
            flags |= TASK_NONBLOCK;
        }
        if !origin.reply {
            flags |= TASK_NOREPLY;
        }
        zend::set_prop(o, "data", data);
        zend::set_prop(o, "dispatch_time", zend::zdouble(now));
        zend::set_prop(o, "id", zlong(origin.task_id));
        zend::set_prop(o, "worker_id", zlong(i64::from(origin.from)));
        zend::set_prop(o, "flags", zlong(flags));
    }
    z
}

const TASK_SERIALIZE: i64 = 2;
const TASK_NONBLOCK: i64 = 4;
const TASK_NOREPLY: i64 = 128;

/// `$task->finish($data)`: the result goes back to the worker that sent
/// the task (false, with Swoole's log line, when that one takes none).
fn task_finish(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(data) = args.get(0).map(zend::zcopy) else {
        return;
    };
    let Some((_, o)) = zend::this_object(ex) else {
        return;
    };
    let long = |name| zend::get_prop(o, name).and_then(|z| z.long());
    let task_id = long("id").unwrap_or(-1);
    let from = long("worker_id").and_then(|w| u32::try_from(w).ok());
    let Some(from) = from.filter(|_| task_id >= 0) else {
        rv.set_bool(false);
        return;
    };
    let reply = long("flags").unwrap_or(0) & TASK_NOREPLY == 0;
    let origin = TaskOrigin {
        task_id,
        from,
        reply,
    };
    rv.set_bool(super::super::workers::finish_task(origin, &data));
}

/// `taskCo($tasks, $timeout)`: every task at once; the coroutine waits
/// for the results, keyed as the tasks are, false for one that failed or
/// did not finish in time.
pub(super) fn server_task_co(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(tasks) = args.array(0, "tasks") else {
        return;
    };
    let timeout = args.float_or(1, 0.5);
    rv.set_bool(false);
    if super::super::coroutine::current() < 0 {
        super::super::coroutine::throw_out_of_coroutine();
        return;
    }
    let Some(st) = state::current().filter(|s| s.running.get()) else {
        zend::warning_docref("server is not running");
        return;
    };
    drop(st);
    let entries: Vec<Zval> = tasks.values().map(zend::zcopy).collect();
    let Some(results) = super::super::workers::task_co(
        entries,
        timeout,
        -1,
        "taskCo method can only be used in the worker process",
    ) else {
        return;
    };
    let mut out = ZendHashTable::new();
    for (slot, r) in results {
        let _ = out.insert_at_index(slot as i64, r.unwrap_or_else(|| zend::zbool(false)));
    }
    *rv = zarray(out);
}
