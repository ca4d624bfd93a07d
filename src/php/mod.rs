//! The PHP surface: ext-php-rs module, classes, functions and constants.
//! Thin: converts PHP values to the layers below and back.

mod arginfo;
mod args;
mod atomic;
mod classes;
mod client;
mod conn_iterator;
mod constant_class;
mod constants;
mod coroutine;
mod errors;
mod event;
mod frame;
mod guard;
mod handler;
mod hooks;
mod http;
mod library;
mod lock;
mod mime;
mod pool;
mod process;
mod processes;
mod push_cache;
mod rooms;
mod server;
mod signal;
mod state;
mod table;
mod timer;
mod workers;
mod zend;

use std::ffi::CString;

use ext_php_rs::builders::ModuleBuilder;
use ext_php_rs::ffi;
use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;
use ext_php_rs::zend::{ExecuteData, ModuleEntry};

use args::Args;

/// MINIT: classes, aliases and constants.
extern "C" fn startup(_ty: i32, module_number: i32) -> i32 {
    guard::or_default("swoole-rs startup", -1, || register_all(module_number))
}

fn register_all(module_number: i32) -> i32 {
    // SAFETY: MINIT; the engine's interface/base classes exist.
    let (iterator, countable, arrayaccess, exception) = unsafe {
        (
            ffi::zend_ce_iterator,
            ffi::zend_ce_countable,
            ffi::zend_ce_arrayaccess,
            ffi::zend_ce_exception,
        )
    };
    register_functions();
    frame::register();
    server::register(iterator, countable, arrayaccess, exception);
    client::register(server::EXCEPTION.get());
    http::register();
    timer::register();
    event::register();
    constant_class::register();
    table::register(iterator, countable);
    atomic::register();
    lock::register();
    pool::register();
    process::register();
    hooks::register();
    coroutine::register();
    coroutine::exit::register(server::EXCEPTION.get());
    coroutine::exit::install();

    // The Swoole 4 names that old scripts and tutorials use.
    classes::alias("swoole_server", server::SERVER.get());
    classes::alias("swoole_http_server", server::HTTP_SERVER.get());
    classes::alias("swoole_websocket_server", server::WEBSOCKET_SERVER.get());
    classes::alias("swoole_websocket_frame", frame::FRAME.get());
    classes::alias("swoole_websocket_closeframe", frame::CLOSE_FRAME.get());
    classes::alias("swoole_http_request", http::REQUEST.get());
    classes::alias("swoole_http_response", http::RESPONSE.get());
    classes::alias("swoole_timer", timer::TIMER.get());
    classes::alias("swoole_event", event::EVENT.get());
    classes::alias("swoole_exception", server::EXCEPTION.get());
    classes::alias("swoole_table", table::TABLE.get());

    let flags = (ffi::CONST_CS | ffi::CONST_PERSISTENT) as i32;
    for (name, value) in constants::CONSTANTS {
        let n = CString::new(*name).unwrap_or_default();
        // SAFETY: MINIT, persistent constants with NUL-terminated names.
        unsafe {
            match value {
                constants::Value::Long(v) => ffi::zend_register_long_constant(
                    n.as_ptr(),
                    name.len(),
                    *v,
                    flags,
                    module_number,
                ),
                constants::Value::Double(v) => ffi::zend_register_double_constant(
                    n.as_ptr(),
                    name.len(),
                    *v,
                    flags,
                    module_number,
                ),
                constants::Value::Bool(v) => ffi::zend_register_bool_constant(
                    n.as_ptr(),
                    name.len(),
                    *v,
                    flags,
                    module_number,
                ),
                constants::Value::Str(v) => {
                    let s = CString::new(*v).unwrap_or_default();
                    ffi::zend_register_string_constant(
                        n.as_ptr(),
                        name.len(),
                        s.as_ptr(),
                        flags,
                        module_number,
                    )
                }
            }
        }
    }
    // Swoole defines ext-sockets' constants when that extension is absent
    // (every extension the ini loads is registered before any MINIT runs).
    if !module_registered("sockets") {
        for (name, value) in constants::SOCKET_CONSTANTS {
            let n = CString::new(*name).unwrap_or_default();
            // SAFETY: MINIT, persistent constants with NUL-terminated names.
            unsafe {
                ffi::zend_register_long_constant(
                    n.as_ptr(),
                    name.len(),
                    *value,
                    flags,
                    module_number,
                )
            };
        }
    }
    0
}

unsafe extern "C" {
    static mut module_registry: ffi::HashTable;
}

/// Whether extension `name` is loaded (registered, started or not).
fn module_registered(name: &str) -> bool {
    // SAFETY: the module registry is a live engine global at MINIT; the
    // lookup only reads it.
    unsafe {
        !ffi::zend_hash_str_find(&raw mut module_registry, name.as_ptr().cast(), name.len())
            .is_null()
    }
}

/// RINIT: as Swoole, a first shutdown function marks when the script's
/// own shutdown functions begin (after which a `go()` in a destructor is
/// Swoole's fatal error instead of a coroutine that could never run).
extern "C" fn request_startup(_ty: i32, _module_number: i32) -> i32 {
    guard::or_default("swoole-rs request startup", 0, || {
        coroutine::request_startup();
        library::load();
        0
    })
}

/// RSHUTDOWN: let go of the server object while PHP can still free it, and
/// of the sockets of `Swoole\Client` objects a fatal error left open.
extern "C" fn request_shutdown(_ty: i32, _module_number: i32) -> i32 {
    guard::or_default("swoole-rs request shutdown", -1, || {
        client::request_shutdown();
        http::co_server::request_shutdown();
        process::request_shutdown();
        signal::request_shutdown();
        pool::request_shutdown();
        coroutine::clear();
        event::clear();
        push_cache::clear();
        table::clear();
        state::set_current(None);
        crate::worker::timers::timers().clear_all();
        // What a destructor deferred at shutdown (a go() in __destruct):
        // its PHP values go now, while PHP can still free them (at the
        // thread's exit they would be freed into a dead engine).
        crate::worker::timers::drop_pending_deferred();
        0
    })
}

extern "C" fn info(_module: *mut ModuleEntry) {
    guard::or_default("phpinfo", (), print_info);
}

fn print_info() {
    let row = |k: &str, v: &str| {
        let k = CString::new(k).unwrap_or_default();
        let v = CString::new(v).unwrap_or_default();
        // SAFETY: phpinfo() table output with NUL-terminated strings.
        unsafe { ffi::php_info_print_table_row(2, k.as_ptr(), v.as_ptr()) };
    };
    // SAFETY: phpinfo() table framing.
    unsafe { ffi::php_info_print_table_start() };
    row(
        "swoole-rs",
        "enabled (a Rust implementation of Swoole's WebSocket server API)",
    );
    row("Version", crate::SWOOLE_RS_VERSION);
    row("Swoole API level", crate::SWOOLE_API_VERSION);
    row(
        "Server modes",
        "SWOOLE_BASE and SWOOLE_PROCESS; workers, task workers, reactor threads",
    );
    row(
        "compression",
        concat!(
            "permessage-deflate (RFC 7692: window bits, context takeover), zlib-rs ",
            env!("SWOOLE_RS_DEP_ZLIB_RS")
        ),
    );
    row(
        "TLS",
        concat!(
            "rustls ",
            env!("SWOOLE_RS_DEP_RUSTLS"),
            " (TLS 1.2 and 1.3; wss:// and https:// with SWOOLE_SSL)"
        ),
    );
    // Swoole's own test suite reads this row ("openssl => OpenSSL x.y.z")
    // to decide what TLS it may test: the OpenSSL PHP runs with serves the
    // hooked ssl:// and tls:// streams; our servers and clients use rustls.
    if let Some(openssl) = openssl_version() {
        row(
            "openssl",
            &format!(
                "{openssl} (PHP's, for hooked ssl:// and tls:// streams; servers and clients use rustls {})",
                env!("SWOOLE_RS_DEP_RUSTLS")
            ),
        );
    }
    row("coroutine", "enabled with PHP's fibers");
    row(
        "http2",
        concat!(
            "enabled (h2 ",
            env!("SWOOLE_RS_DEP_H2"),
            "; h2c and h2 by ALPN with open_http2_protocol, SWOOLE_BASE)"
        ),
    );
    row(
        "Runtime",
        concat!(
            "tokio ",
            env!("SWOOLE_RS_DEP_TOKIO"),
            ", tungstenite ",
            env!("SWOOLE_RS_DEP_TUNGSTENITE"),
            ", ext-php-rs ",
            env!("SWOOLE_RS_DEP_EXT_PHP_RS")
        ),
    );
    row(
        "Built",
        concat!(
            env!("SWOOLE_RS_PROFILE"),
            " build for ",
            env!("SWOOLE_RS_TARGET"),
            " with ",
            env!("SWOOLE_RS_RUSTC")
        ),
    );
    // SAFETY: phpinfo() table framing.
    unsafe { ffi::php_info_print_table_end() };
}

/// The OpenSSL this process runs with (PHP's ext/openssl links it), as
/// `OpenSSL_version(OPENSSL_VERSION)` words it; None when none is loaded.
fn openssl_version() -> Option<String> {
    // SAFETY: looks a symbol up in what the process has loaded.
    let sym = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"OpenSSL_version".as_ptr()) };
    if sym.is_null() {
        return None;
    }
    // SAFETY: OpenSSL_version is `const char *OpenSSL_version(int t)`.
    let f: extern "C" fn(libc::c_int) -> *const std::os::raw::c_char =
        unsafe { std::mem::transmute(sym) };
    let text = f(0);
    if text.is_null() {
        return None;
    }
    // SAFETY: a static NUL-terminated string of OpenSSL's.
    Some(
        unsafe { std::ffi::CStr::from_ptr(text) }
            .to_string_lossy()
            .into_owned(),
    )
}

fn fn_swoole_version(_ex: &mut ExecuteData, rv: &mut Zval) {
    let _ = rv.set_string(crate::SWOOLE_API_VERSION, false);
}

fn fn_swoole_last_error(_ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_long(errors::last_error());
}

fn fn_swoole_strerror(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(code) = args.long(0, "errno") else {
        return;
    };
    let _ = rv.set_string(&errors::strerror(code), false);
}

fn fn_swoole_errno(_ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_long(i64::from(
        std::io::Error::last_os_error().raw_os_error().unwrap_or(0),
    ));
}

fn fn_swoole_clear_error(_ex: &mut ExecuteData, rv: &mut Zval) {
    errors::set_last_error(0);
    rv.set_null();
}

fn fn_set_process_name(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(name) = args.string(0, "process_name") else {
        return;
    };
    rv.set_bool(set_process_title(&name));
}

/// `swoole_set_process_name()` / `Process::name()`: PHP's own
/// `cli_set_process_title()` (the title `ps aux` shows), as Swoole calls
/// it; false with Swoole's warning outside the CLI. The thread's name
/// (what `top` shows) is set too.
pub(crate) fn set_process_title(name: &str) -> bool {
    let Some(set_title) = zend::Callback::new(&zend::zstr("cli_set_process_title")) else {
        zend::warning_docref("swoole_set_process_name only support in CLI mode");
        return false;
    };
    crate::worker::process::set_name(name);
    let mut ok = false;
    let _ = set_title.call_with(&mut [zend::zstr(name)], |r| ok = r.bool() == Some(true));
    ok
}

fn fn_cpu_num(_ex: &mut ExecuteData, rv: &mut Zval) {
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    rv.set_long(n as i64);
}

/// IPv4 addresses of the machine's interfaces but loopback, by interface
/// name, as Swoole's `swoole_get_local_ip()`.
fn fn_get_local_ip(_ex: &mut ExecuteData, rv: &mut Zval) {
    let mut ips = ext_php_rs::types::ZendHashTable::new();
    for (name, ip) in crate::runtime::local_ipv4() {
        zend::ht_set(&mut ips, &name, zend::zstr(ip.to_string()));
    }
    *rv = zend::zarray(ips);
}

/// `swoole_rs_test_panic('call')` panics in this PHP call;
/// `swoole_rs_test_panic('connection', $fd)` in the task of connection
/// `$fd`, before its next message is dispatched. Test builds only.
#[cfg(feature = "test-hooks")]
fn fn_test_panic(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(place) = args.string(0, "where") else {
        return;
    };
    let Some(fd) = args.long_or(1, "fd", 0) else {
        return;
    };
    match place.as_str() {
        "call" => panic!("test hook: panic in a PHP call"),
        "connection" => crate::runtime::test_hooks::panic_on_next_message(fd),
        other => zend::error(zend::E_WARNING, &format!("unknown test hook '{other}'")),
    }
}

/// Global functions, registered at MINIT with Swoole's signatures.
fn register_functions() {
    use arginfo::entry;
    let timer = "int $ms, callable $callback, mixed ...$params";
    let mut entries = vec![
        entry("swoole_version", fn_swoole_version, "", "string", 0),
        entry("swoole_last_error", fn_swoole_last_error, "", "int", 0),
        entry(
            "swoole_strerror",
            fn_swoole_strerror,
            "int $errno, int $error_type = SWOOLE_STRERROR_SYSTEM",
            "string",
            0,
        ),
        entry("swoole_errno", fn_swoole_errno, "", "int", 0),
        entry("swoole_clear_error", fn_swoole_clear_error, "", "void", 0),
        entry(
            "swoole_timer_tick",
            timer::timer_tick,
            timer,
            "int|false",
            0,
        ),
        entry(
            "swoole_timer_after",
            timer::timer_after,
            timer,
            "int|false",
            0,
        ),
        entry(
            "swoole_timer_clear",
            timer::timer_clear,
            "int $timer_id",
            "bool",
            0,
        ),
        entry(
            "swoole_timer_clear_all",
            timer::timer_clear_all,
            "",
            "bool",
            0,
        ),
        entry(
            "swoole_timer_exists",
            timer::timer_exists,
            "int $timer_id",
            "bool",
            0,
        ),
        entry(
            "swoole_event_defer",
            timer::event_defer,
            "callable $callback",
            "bool",
            0,
        ),
        entry(
            "swoole_set_process_name",
            fn_set_process_name,
            "string $process_name",
            "bool",
            0,
        ),
        entry("swoole_cpu_num", fn_cpu_num, "", "int", 0),
        entry("swoole_get_local_ip", fn_get_local_ip, "", "array", 0),
        entry(
            "swoole_timer_list",
            timer::timer_list,
            "",
            "Swoole\\Timer\\Iterator",
            0,
        ),
        entry(
            "swoole_timer_info",
            timer::timer_info,
            "int $timer_id",
            "?array",
            0,
        ),
        entry("swoole_timer_stats", timer::timer_stats, "", "array", 0),
        entry(
            "swoole_async_set",
            coroutine::fn_async_set,
            "array $settings",
            "bool",
            0,
        ),
        entry(
            "go",
            coroutine::fn_go,
            "callable $func, mixed ...$params",
            "int|false",
            0,
        ),
        entry(
            "swoole_coroutine_create",
            coroutine::fn_go,
            "callable $func, mixed ...$params",
            "int|false",
            0,
        ),
        entry(
            "Swoole\\Coroutine\\go",
            coroutine::fn_go,
            "callable $func, mixed ...$params",
            "int|false",
            0,
        ),
        entry(
            "Co\\go",
            coroutine::fn_go,
            "callable $func, mixed ...$params",
            "int|false",
            0,
        ),
        entry(
            "swoole_internal_call_user_shutdown_begin",
            coroutine::fn_shutdown_begin,
            "",
            "bool",
            0,
        ),
        entry(
            "swoole_coroutine_defer",
            coroutine::fn_defer,
            "callable $callback",
            "void",
            0,
        ),
        entry(
            "defer",
            coroutine::fn_defer,
            "callable $callback",
            "void",
            0,
        ),
        entry(
            "Swoole\\Coroutine\\defer",
            coroutine::fn_defer,
            "callable $callback",
            "void",
            0,
        ),
        entry(
            "Co\\defer",
            coroutine::fn_defer,
            "callable $callback",
            "void",
            0,
        ),
        entry(
            "Swoole\\Coroutine\\run",
            coroutine::fn_run,
            "callable $fn, mixed ...$args",
            "bool",
            0,
        ),
        entry(
            "Co\\run",
            coroutine::fn_run,
            "callable $fn, mixed ...$args",
            "bool",
            0,
        ),
    ];
    entries.extend(event::functions());
    entries.extend(mime::functions());
    #[cfg(feature = "test-hooks")]
    entries.push(entry(
        "swoole_rs_test_panic",
        fn_test_panic,
        "string $where, int $fd = 0",
        "void",
        0,
    ));
    entries.push(arginfo::end());
    let entries = Box::leak(entries.into_boxed_slice());
    // SAFETY: MINIT; the table and its argument info live forever.
    unsafe {
        zend::zend_register_functions(
            std::ptr::null_mut(),
            entries.as_ptr(),
            std::ptr::null_mut(),
            1,
        );
    }
}

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .name("swoole")
        .version(crate::SWOOLE_API_VERSION)
        .startup_function(startup)
        .request_startup_function(request_startup)
        .request_shutdown_function(request_shutdown)
        .info_function(info)
}
