//! `Swoole\WebSocket\Frame` and `Swoole\WebSocket\CloseFrame`: plain objects
//! with Swoole's declared properties, plus `pack`/`unpack`/`__toString`.

use ext_php_rs::ffi::zend_object;
use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::classes::{m, sm, Class, ClassSlot, Default, PUBLIC};
use super::errors;
use super::zend::{self, zbool, zlong, zstr};
use crate::protocol::frame::opcode;
use crate::protocol::message::Event;
use crate::protocol::pack::{self, PackError, UnpackError, FLAG_FIN};
use crate::runtime::connection::Connection;
use crate::runtime::log;
use crate::worker::push::PushFrame;

pub static FRAME: ClassSlot = ClassSlot::new();
pub static CLOSE_FRAME: ClassSlot = ClassSlot::new();

/// Registers Frame and CloseFrame. Frame is `Stringable` through its
/// `__toString`, which the engine turns into the interface by itself.
pub fn register() {
    let mut c = Class::new("Swoole\\WebSocket\\Frame");
    c.props = vec![
        ("fd", Default::Long(0), PUBLIC),
        ("data", Default::Str(""), PUBLIC),
        ("opcode", Default::Long(1), PUBLIC),
        ("flags", Default::Long(1), PUBLIC),
        ("finish", Default::Null, PUBLIC),
    ];
    c.methods = vec![
        m("__toString", frame_to_string, "", "string"),
        sm("pack", frame_pack, "Swoole\\WebSocket\\Frame|string $data, int $opcode = WEBSOCKET_OPCODE_TEXT, int $flags = SWOOLE_WEBSOCKET_FLAG_FIN", "string"),
        sm("unpack", frame_unpack, "string $data", "Swoole\\WebSocket\\Frame"),
    ];
    let frame = c.register();
    FRAME.set(frame);

    let mut c = Class::new("Swoole\\WebSocket\\CloseFrame");
    c.parent = Some(frame);
    c.props = vec![
        ("opcode", Default::Long(8), PUBLIC),
        ("code", Default::Long(1000), PUBLIC),
        ("reason", Default::Str(""), PUBLIC),
    ];
    CLOSE_FRAME.set(c.register());
}

/// A Frame (or CloseFrame) object for a received event.
pub fn frame_object(fd: i64, event: &Event) -> Zval {
    match event {
        Event::Message {
            opcode,
            payload,
            flags,
        } => data_frame(fd, *opcode, payload, *flags),
        Event::Ping(payload) => data_frame(fd, opcode::PING, payload, 33),
        Event::Pong(payload) => data_frame(fd, opcode::PONG, payload, 33),
        Event::Close { code, reason, .. } => {
            let z = zend::new_object(CLOSE_FRAME.get());
            if let Some(o) = zend::obj_ptr(&z) {
                zend::set_prop(o, "fd", zlong(fd));
                zend::set_prop(o, "data", zstr(b""));
                zend::set_prop(o, "opcode", zlong(i64::from(opcode::CLOSE)));
                zend::set_prop(o, "flags", zlong(33));
                zend::set_prop(o, "finish", zbool(true));
                zend::set_prop(o, "code", zlong(i64::from(code.unwrap_or(1000))));
                zend::set_prop(o, "reason", zstr(reason.as_bytes()));
            }
            z
        }
    }
}

thread_local! {
    /// Slots of Frame's fd, data, opcode, flags, finish (see frame_slots).
    static FRAME_SLOTS: std::cell::Cell<Option<[u32; 5]>> = const { std::cell::Cell::new(None) };
}

/// Where Frame keeps its five properties, looked up once.
fn frame_slots() -> Option<[u32; 5]> {
    FRAME_SLOTS.with(|cell| {
        if cell.get().is_none() {
            let ce = FRAME.get();
            let names = ["fd", "data", "opcode", "flags", "finish"];
            let mut slots = [0u32; 5];
            for (slot, name) in slots.iter_mut().zip(names) {
                *slot = zend::prop_offset(ce, name)?;
            }
            cell.set(Some(slots));
        }
        cell.get()
    })
}

/// A Frame for a received message: the hot path of every onMessage.
fn data_frame(fd: i64, op: u8, payload: &[u8], flags: u8) -> Zval {
    let z = zend::new_object(FRAME.get());
    let Some(o) = zend::obj_ptr(&z) else {
        return z;
    };
    match frame_slots() {
        // Each value made where it is written: moving an array of zvals
        // through an iterator cost store-forwarding stalls that made this
        // a tenth of a small message's time.
        // SAFETY: slots of Frame's untyped properties; o is a fresh Frame.
        Some([fd_at, data_at, opcode_at, flags_at, finish_at]) => unsafe {
            zend::write_prop_at(o, fd_at, zlong(fd));
            zend::write_prop_at(o, data_at, zstr(payload));
            zend::write_prop_at(o, opcode_at, zlong(i64::from(op)));
            zend::write_prop_at(o, flags_at, zlong(i64::from(flags)));
            zend::write_prop_at(o, finish_at, zbool(flags & FLAG_FIN != 0));
        },
        None => {
            let values = [
                zlong(fd),
                zstr(payload),
                zlong(i64::from(op)),
                zlong(i64::from(flags)),
                zbool(flags & FLAG_FIN != 0),
            ];
            for (name, v) in ["fd", "data", "opcode", "flags", "finish"]
                .into_iter()
                .zip(values)
            {
                zend::set_prop(o, name, v);
            }
        }
    }
    z
}

/// What a Frame object says to send.
pub struct FrameSpec {
    pub opcode: i64,
    pub flags: i64,
    pub data: Vec<u8>,
    /// Set for CloseFrame objects: (code, reason).
    pub close: Option<(i64, Vec<u8>)>,
}

fn prop_long(o: *mut zend_object, name: &str, default: i64) -> i64 {
    zend::get_prop(o, name)
        .and_then(|z| {
            z.long()
                .or_else(|| z.double().map(|d| d as i64))
                .or_else(|| z.bool().map(i64::from))
        })
        .or_else(|| {
            zend::get_prop(o, name)
                .and_then(zend::str_bytes)
                .and_then(super::args::numeric_string)
                .map(|f| f as i64)
        })
        .unwrap_or(default)
}

fn prop_bytes(o: *mut zend_object, name: &str) -> Vec<u8> {
    match zend::get_prop(o, name) {
        Some(z) => match zend::str_bytes(z) {
            Some(b) => b.to_vec(),
            None if z.is_null() => Vec::new(),
            None => z.coerce_to_string().unwrap_or_default().into_bytes(),
        },
        None => Vec::new(),
    }
}

/// Reads a Frame object's opcode, flags (with `finish` applied), data and,
/// for a close frame, code and reason.
pub fn frame_spec(o: *mut zend_object) -> FrameSpec {
    let op = prop_long(o, "opcode", 1);
    let mut flags = prop_long(o, "flags", 1);
    if let Some(finish) = zend::get_prop(o, "finish").and_then(|z| z.bool()) {
        if finish {
            flags |= i64::from(FLAG_FIN);
        } else {
            flags &= !i64::from(FLAG_FIN);
        }
    }
    let close = if zend::instance_of(o, CLOSE_FRAME.get()) || op == i64::from(opcode::CLOSE) {
        Some((prop_long(o, "code", 1000), prop_bytes(o, "reason")))
    } else {
        None
    };
    FrameSpec {
        opcode: op,
        flags,
        data: prop_bytes(o, "data"),
        close,
    }
}

/// The checked frame for `opcode`/`flags` (and a CloseFrame's code and
/// reason), or Swoole's warning (or log line) and None.
pub fn push_frame(opcode: i64, flags: i64, close: Option<(i64, Vec<u8>)>) -> Option<PushFrame> {
    report(PushFrame::new(opcode, flags).and_then(|f| f.with_close(close)))
}

/// A Frame object's (or pack() argument's) bytes: `target`'s compression
/// applies, none for `pack()`.
pub fn encode_spec(spec: &FrameSpec, target: Option<&Connection>) -> Option<Vec<u8>> {
    let f = push_frame(spec.opcode, spec.flags, spec.close.clone())?;
    report(f.encode(&spec.data, target))
}

/// [`encode_spec`] for a data or control frame whose payload is borrowed
/// (a PHP string being pushed: no copy before framing).
pub fn encode_data(
    op: i64,
    flags: i64,
    data: &[u8],
    target: Option<&Connection>,
) -> Option<Vec<u8>> {
    // Nothing in here calls into PHP while the compressor is borrowed.
    report(crate::worker::push::encode_data(op, flags, data, target))
}

/// A framing result, with Swoole's warning or log line when it failed.
pub fn report<T>(result: Result<T, PackError>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e @ PackError::ReasonTooLong) => {
            log::write(
                log::Level::Warning,
                super::server::in_worker(),
                &format!("websocket::pack_close_frame(): {e}"),
            );
            errors::set_last_error(errors::WEBSOCKET_PACK_FAILED);
            None
        }
        Err(e) => {
            zend::warning_docref(&e.to_string());
            errors::set_last_error(errors::WEBSOCKET_PACK_FAILED);
            None
        }
    }
}

/// The argument of pack()/push(): a Frame object or a string.
pub fn spec_from_args(
    args: &Args,
    data_idx: usize,
    opcode_idx: usize,
    flags_idx: usize,
) -> Option<FrameSpec> {
    let data = args.get(data_idx)?;
    if let Some(o) = zend::obj_ptr(data) {
        if zend::instance_of(o, FRAME.get()) {
            return Some(frame_spec(o));
        }
    }
    let bytes = args.bytes(data_idx, "data")?;
    let op = args.long_or(opcode_idx, "opcode", 1)?;
    let flags = args.long_or(flags_idx, "flags", i64::from(FLAG_FIN))?;
    Some(FrameSpec {
        opcode: op,
        flags,
        data: bytes,
        close: None,
    })
}

pub fn frame_pack(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(spec) = spec_from_args(&args, 0, 1, 2) else {
        return;
    };
    let bytes = encode_spec(&spec, None).unwrap_or_default();
    *rv = zstr(bytes);
}

fn frame_to_string(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    let Some(this) = ex.get_self() else { return };
    let o: *mut zend_object = this;
    let bytes = encode_spec(&frame_spec(o), None).unwrap_or_default();
    *rv = zstr(bytes);
}

pub fn frame_unpack(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(data) = args.bytes(0, "data") else {
        return;
    };
    match pack::unpack(&data) {
        Ok(u) => {
            let z = match &u.close {
                Some((code, reason)) => {
                    let z = zend::new_object(CLOSE_FRAME.get());
                    if let Some(o) = zend::obj_ptr(&z) {
                        zend::set_prop(o, "code", zlong(i64::from(*code)));
                        zend::set_prop(o, "reason", zstr(reason.as_bytes()));
                    }
                    z
                }
                None => zend::new_object(FRAME.get()),
            };
            if let Some(o) = zend::obj_ptr(&z) {
                zend::set_prop(o, "fd", zlong(0));
                zend::set_prop(
                    o,
                    "data",
                    zstr(if u.close.is_some() {
                        &[][..]
                    } else {
                        &u.payload[..]
                    }),
                );
                zend::set_prop(o, "opcode", zlong(i64::from(u.opcode)));
                zend::set_prop(o, "flags", zlong(i64::from(u.flags)));
                zend::set_prop(o, "finish", zbool(u.fin));
            }
            *rv = z;
        }
        Err(e) => {
            if let UnpackError::Incomplete { .. } = e {
                log::write(
                    log::Level::Warning,
                    super::server::in_worker(),
                    &format!(
                        "websocket::decode() (ERRNO {}): {e}",
                        errors::WEBSOCKET_INCOMPLETE_PACKET
                    ),
                );
            }
            errors::set_last_error(errors::PROTOCOL_ERROR);
            rv.set_bool(false);
        }
    }
}
