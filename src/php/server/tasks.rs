//! `task()`, `taskwait()`, `taskWaitMulti()`, `finish()`, `sendMessage()`:
//! argument handling; the cross-process part is in `php::workers` and
//! `worker::cluster`.

use super::*;

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
