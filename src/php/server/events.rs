//! `event_object => true`: callbacks get one object instead of their
//! separate arguments, as Swoole passes them: `Swoole\Server\Event`
//! (onConnect, onReceive, onClose), `Swoole\Server\Packet` (onPacket),
//! `Swoole\Server\PipeMessage` (onPipeMessage), `Swoole\Server\TaskResult`
//! (onFinish), `Swoole\Server\StatusInfo` (onWorkerError), and
//! `Swoole\Server\Task` for onTask (as `task_object`).

use ext_php_rs::types::Zval;

use super::super::classes::{Class, ClassSlot, Default, PUBLIC};
use super::super::zend::{self, zdouble, zlong, zstr};

pub static EVENT: ClassSlot = ClassSlot::new();
pub static PACKET: ClassSlot = ClassSlot::new();
pub static PIPE_MESSAGE: ClassSlot = ClassSlot::new();
pub static TASK_RESULT: ClassSlot = ClassSlot::new();
pub static STATUS_INFO: ClassSlot = ClassSlot::new();

pub(super) fn register() {
    let class = |name: &'static str, props: Vec<(&'static str, Default, u32)>| {
        let mut c = Class::new(name);
        c.props = props;
        c.register()
    };
    EVENT.set(class(
        "Swoole\\Server\\Event",
        vec![
            ("reactor_id", Default::Long(0), PUBLIC),
            ("fd", Default::Long(0), PUBLIC),
            ("dispatch_time", Default::Double(0.0), PUBLIC),
            ("data", Default::Null, PUBLIC),
        ],
    ));
    // Swoole sets `data` on a Packet without declaring it (PHP 8.2 then
    // says "Creation of dynamic property ... is deprecated" per datagram);
    // declared here, last, so the object reads the same without the notice.
    PACKET.set(class(
        "Swoole\\Server\\Packet",
        vec![
            ("server_socket", Default::Long(0), PUBLIC),
            ("server_port", Default::Long(0), PUBLIC),
            ("dispatch_time", Default::Double(0.0), PUBLIC),
            ("address", Default::Null, PUBLIC),
            ("port", Default::Long(0), PUBLIC),
            ("data", Default::Null, PUBLIC),
        ],
    ));
    PIPE_MESSAGE.set(class(
        "Swoole\\Server\\PipeMessage",
        vec![
            ("source_worker_id", Default::Long(0), PUBLIC),
            ("worker_id", Default::Long(0), PUBLIC),
            ("dispatch_time", Default::Double(0.0), PUBLIC),
            ("data", Default::Null, PUBLIC),
        ],
    ));
    TASK_RESULT.set(class(
        "Swoole\\Server\\TaskResult",
        vec![
            ("task_id", Default::Long(0), PUBLIC),
            ("task_worker_id", Default::Long(0), PUBLIC),
            ("dispatch_time", Default::Double(0.0), PUBLIC),
            ("data", Default::Null, PUBLIC),
        ],
    ));
    STATUS_INFO.set(class(
        "Swoole\\Server\\StatusInfo",
        vec![
            ("worker_id", Default::Long(0), PUBLIC),
            ("worker_pid", Default::Long(0), PUBLIC),
            ("status", Default::Long(0), PUBLIC),
            ("exit_code", Default::Long(0), PUBLIC),
            ("signal", Default::Long(0), PUBLIC),
        ],
    ));
}

/// An object of `class` with `props` set.
fn object(class: &ClassSlot, props: Vec<(&str, Zval)>) -> Zval {
    let z = zend::new_object(class.get());
    if let Some(o) = zend::obj_ptr(&z) {
        for (name, value) in props {
            zend::set_prop(o, name, value);
        }
    }
    z
}

/// onConnect / onReceive / onClose's `Swoole\Server\Event` (`data` null and
/// `dispatch_time` 0 for a connect or close, as Swoole's).
pub fn event(reactor_id: i64, fd: i64, received: Option<(&[u8], f64)>) -> Zval {
    let (data, time) = match received {
        Some((d, t)) => (zstr(d), t),
        None => (zend::znull(), 0.0),
    };
    object(
        &EVENT,
        vec![
            ("reactor_id", zlong(reactor_id)),
            ("fd", zlong(fd)),
            ("dispatch_time", zdouble(time)),
            ("data", data),
        ],
    )
}

/// onPacket's `Swoole\Server\Packet`.
pub fn packet(
    server_socket: i64,
    server_port: i64,
    time: f64,
    address: Zval,
    port: i64,
    data: &[u8],
) -> Zval {
    object(
        &PACKET,
        vec![
            ("server_socket", zlong(server_socket)),
            ("server_port", zlong(server_port)),
            ("dispatch_time", zdouble(time)),
            ("address", address),
            ("port", zlong(port)),
            ("data", zstr(data)),
        ],
    )
}

/// onPipeMessage's `Swoole\Server\PipeMessage`.
pub fn pipe_message(source_worker_id: i64, worker_id: i64, time: f64, data: Zval) -> Zval {
    object(
        &PIPE_MESSAGE,
        vec![
            ("source_worker_id", zlong(source_worker_id)),
            ("worker_id", zlong(worker_id)),
            ("dispatch_time", zdouble(time)),
            ("data", data),
        ],
    )
}

/// onFinish's `Swoole\Server\TaskResult`.
pub fn task_result(task_id: i64, task_worker_id: i64, time: f64, data: Zval) -> Zval {
    object(
        &TASK_RESULT,
        vec![
            ("task_id", zlong(task_id)),
            ("task_worker_id", zlong(task_worker_id)),
            ("dispatch_time", zdouble(time)),
            ("data", data),
        ],
    )
}

/// onWorkerError's `Swoole\Server\StatusInfo`.
pub fn status_info(worker_id: i64, worker_pid: i64, exit_code: i64, signal: i64) -> Zval {
    object(
        &STATUS_INFO,
        vec![
            ("worker_id", zlong(worker_id)),
            ("worker_pid", zlong(worker_pid)),
            // The raw wait status, as waitpid() gives it.
            ("status", zlong(((exit_code & 0xff) << 8) | (signal & 0x7f))),
            ("exit_code", zlong(exit_code)),
            ("signal", zlong(signal)),
        ],
    )
}
