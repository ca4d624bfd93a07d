//! Server settings (`$server->set([...])`) as a typed struct, validated once.
//!
//! The PHP surface keeps the user's array as-is in `$server->setting` (Swoole
//! shows it back unchanged) and feeds every key through [`Settings::apply`], so
//! the runtime only ever sees typed, defaulted values.

use std::time::Duration;

use crate::protocol::framing::{Framing, LengthType};

/// One setting value as PHP gave it, before it is interpreted.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// An array's values as strings (e.g. `static_handler_locations`).
    List(Vec<String>),
    /// An array with string keys (e.g. `cluster`).
    Map(Vec<(String, SettingValue)>),
    /// Objects and null: kept in `$server->setting`, ignored here.
    Other,
}

impl SettingValue {
    /// PHP truthiness, as Swoole reads boolean settings (`'1'`, `1`, `true`).
    pub fn truthy(&self) -> bool {
        match self {
            SettingValue::Bool(b) => *b,
            SettingValue::Int(i) => *i != 0,
            SettingValue::Float(f) => *f != 0.0,
            SettingValue::Str(s) => !(s.is_empty() || s == "0"),
            SettingValue::List(l) => !l.is_empty(),
            SettingValue::Map(m) => !m.is_empty(),
            SettingValue::Other => false,
        }
    }

    /// PHP's integer conversion for numeric settings.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            SettingValue::Bool(b) => Some(i64::from(*b)),
            SettingValue::Int(i) => Some(*i),
            SettingValue::Float(f) if f.is_finite() => Some(*f as i64),
            SettingValue::Str(s) => s.trim().parse::<f64>().ok().map(|f| f as i64),
            _ => None,
        }
    }

    /// PHP's float conversion for settings given in seconds.
    pub fn as_float(&self) -> Option<f64> {
        match self {
            SettingValue::Bool(b) => Some(f64::from(u8::from(*b))),
            SettingValue::Int(i) => Some(*i as f64),
            SettingValue::Float(f) => Some(*f),
            SettingValue::Str(s) => s.trim().parse::<f64>().ok(),
            SettingValue::List(_) | SettingValue::Map(_) | SettingValue::Other => None,
        }
    }
}

/// Swoole's default for `package_max_length`: 2 MiB.
pub const DEFAULT_PACKAGE_MAX_LENGTH: usize = 2 * 1024 * 1024;
/// The least `package_max_length` a server port runs with: Swoole raises
/// smaller values to this at start (`SW_BUFFER_MIN_SIZE`).
pub const MIN_PACKAGE_MAX_LENGTH: usize = 64 * 1024;
/// Swoole's default for `socket_buffer_size`: the most a connection may queue.
pub const DEFAULT_SOCKET_BUFFER_SIZE: usize = 8 * 1024 * 1024;
/// Swoole's default for `buffer_output_size`.
pub const DEFAULT_BUFFER_OUTPUT_SIZE: usize = 2 * 1024 * 1024;

/// Typed server settings with Swoole's defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    pub worker_num: i64,
    pub task_worker_num: i64,
    /// SWOOLE_PROCESS: how events are spread over workers (1 round robin,
    /// 2 fd modulo, 3 idle first).
    pub dispatch_mode: i64,
    /// SWOOLE_PROCESS with a `dispatch_mode` that does not hash: keep
    /// onConnect/onClose (Swoole drops them otherwise).
    pub enable_unsafe_event: bool,
    /// A worker retires after this many requests/messages (0: never).
    pub max_request: i64,
    /// `max_request_grace`: a worker serves `max_request` plus a random
    /// 1..=grace more before it is replaced, so that workers started
    /// together do not all restart together. None: Swoole's default
    /// ([`Settings::worker_request_limit`]).
    pub max_request_grace: Option<i64>,
    /// `task_max_request` (and its grace): the same for task workers.
    pub task_max_request: i64,
    pub task_max_request_grace: Option<i64>,
    /// How long a stopping worker may take before it is killed.
    pub max_wait_time: Duration,
    /// `max_concurrency`: HTTP requests all workers may answer at once; the
    /// next one is refused with a bare 503 and closed (0: no limit).
    pub max_concurrency: u32,
    /// `start_session_id`: the first connection's id is this plus one.
    pub start_session_id: i64,
    /// `worker_max_concurrency`: HTTP requests one worker answers at once;
    /// the next ones wait in that worker until one ends (0: no limit; it
    /// is `max_concurrency` when only that is set, as in Swoole).
    pub worker_max_concurrency: u32,
    /// Stopping workers get onWorkerExit while their loop still runs (on by
    /// default, as in Swoole).
    pub reload_async: bool,
    pub reactor_num: i64,
    pub max_connection: i64,
    /// `cluster` (swoole-rs): the Redis bus this node joins, or why the
    /// setting is unusable (reported by start()).
    pub cluster: Option<Result<super::bus::BusConfig, String>>,
    /// `room_capacity` (swoole-rs): the most room memberships of a node
    /// (0: four per `max_connection`).
    pub room_capacity: i64,
    /// Largest message (or HTTP body) a client may send.
    pub package_max_length: usize,
    /// Largest single `send`/`push` payload.
    pub buffer_output_size: usize,
    /// Most bytes a connection may have queued for writing.
    pub socket_buffer_size: usize,
    pub heartbeat_check_interval: Option<Duration>,
    pub heartbeat_idle_time: Option<Duration>,
    /// `websocket_ping_interval` (ours): ping a WebSocket idle this long.
    pub websocket_ping_interval: Option<Duration>,
    /// `websocket_ping_timeout` (ours): close (1011) a pinged WebSocket
    /// that sent nothing for this long; default: the interval.
    pub websocket_ping_timeout: Option<Duration>,
    /// How long a client may take to send a complete HTTP request head
    /// (swoole-rs: Swoole has no such bound, and a stalled client holds a
    /// connection forever there).
    pub http_request_timeout: Duration,
    pub open_websocket_close_frame: bool,
    pub open_websocket_ping_frame: bool,
    pub open_websocket_pong_frame: bool,
    pub websocket_subprotocol: Option<String>,
    pub websocket_compression: bool,
    /// swoole-rs: keep the server's deflate window across messages when the
    /// client allows it (off: Swoole's answer, `server_no_context_takeover`).
    pub websocket_compression_server_context_takeover: bool,
    /// swoole-rs: let the client keep its deflate window across messages
    /// (off: Swoole's answer, `client_no_context_takeover`).
    pub websocket_compression_client_context_takeover: bool,
    /// `http_compression` (Swoole 6: on by default) and its level, minimum
    /// length and types.
    pub http_compression: bool,
    /// Shared, so each request takes a reference, not a copy.
    pub http_compression_policy: std::sync::Arc<crate::protocol::http_compression::Policy>,
    pub open_http_protocol: bool,
    /// `open_http2_protocol`: HTTP/2 (h2c with prior knowledge, h2 by
    /// ALPN) on this HTTP port.
    pub open_http2_protocol: bool,
    pub open_websocket_protocol: bool,
    pub open_tcp_nodelay: bool,
    pub backlog: i32,
    pub daemonize: bool,
    /// Where start() writes the server's pid (removed at shutdown).
    pub pid_file: Option<String>,
    /// Workers drop root privileges to this user / group.
    pub user: Option<String>,
    pub group: Option<String>,
    /// PEM files for `SWOOLE_SSL` listeners.
    pub ssl_cert_file: Option<String>,
    pub ssl_key_file: Option<String>,
    pub log_file: Option<String>,
    pub log_level: Option<i64>,
    pub upload_tmp_dir: String,
    /// `upload_max_filesize` (0: off): how large a multipart upload may be
    /// beyond `package_max_length`.
    pub upload_max_filesize: usize,
    pub http_parse_post: bool,
    /// `http_parse_files`: `f[]` / `f[a]` uploads in PHP's `$_FILES`
    /// layout (one array per attribute); off (Swoole's default), each
    /// file's array is stored under the field's name.
    pub http_parse_files: bool,
    pub http_parse_cookie: bool,
    /// `enable_static_handler` + `document_root`: files under the root are
    /// served without calling onRequest.
    pub enable_static_handler: bool,
    pub document_root: Option<String>,
    /// `static_handler_locations`: only paths under these prefixes are
    /// looked up (all paths when empty).
    pub static_handler_locations: Vec<String>,
    /// `http_index_files`: tried in a directory.
    pub http_index_files: Vec<String>,
    /// The HTTP/2 settings a server announces (`http2_*`).
    pub http2: Http2Settings,
    /// Server callbacks run in coroutines (Swoole's default).
    pub enable_coroutine: bool,
    /// `send_yield`: a send or push the output buffer refuses makes the
    /// coroutine wait for the buffer to drain and try again. None: not
    /// set, which means `enable_coroutine` ([`Settings::send_yields`]).
    pub send_yield: Option<bool>,
    /// `send_timeout`: how long such a wait may take, in seconds (0: no
    /// limit).
    pub send_timeout: f64,
    /// onTask runs in a coroutine and gets a `Swoole\Server\Task`.
    pub task_enable_coroutine: bool,
    /// onTask gets a `Swoole\Server\Task` (without a coroutine).
    pub task_object: bool,
    /// `event_object`: callbacks get one event object (and onTask a Task).
    pub event_object: bool,
    /// How a plain TCP port cuts its stream into `onReceive` packets
    /// (`open_length_check`, `open_eof_check`, ...): see [`Settings::framing`].
    pub stream: StreamFraming,
}

/// A port's framing settings as set, before they are resolved into one
/// [`Framing`] (Swoole keeps them apart too: `open_eof_check` wins over
/// `open_length_check`, whatever order they were set in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamFraming {
    pub open_length_check: bool,
    pub length_type: LengthType,
    pub length_offset: usize,
    pub body_offset: usize,
    /// `package_length_func` is set (the PHP layer keeps the callable).
    pub length_func: bool,
    pub open_eof_check: bool,
    pub open_eof_split: bool,
    pub package_eof: Vec<u8>,
}

impl Default for StreamFraming {
    /// Swoole's port defaults: a 4-byte big-endian length at offset 0 with
    /// the body after it, and `\r\n` as the EOF.
    fn default() -> Self {
        StreamFraming {
            open_length_check: false,
            length_type: LengthType::U32Be,
            length_offset: 0,
            body_offset: 4,
            length_func: false,
            open_eof_check: false,
            open_eof_split: false,
            package_eof: b"\r\n".to_vec(),
        }
    }
}

/// The most bytes `package_eof` may have (Swoole's `SW_DATA_EOF_MAXLEN`).
pub const MAX_PACKAGE_EOF: usize = 8;
/// Swoole's bound for `package_length_offset` and `package_body_offset`
/// (`SW_IPC_BUFFER_SIZE`, 8 KiB less its header).
pub const MAX_HEADER_OFFSET: i64 = 8192 - 32;

/// Why a framing setting is refused: Swoole's fatal error text for it, or
/// None when the value is usable. Checked before [`Settings::apply`],
/// which then takes the value as given.
pub fn refused(key: &str, v: &SettingValue) -> Option<&'static str> {
    match key {
        "package_length_type" => match v {
            SettingValue::Str(s) if s.bytes().next().and_then(LengthType::from_code).is_some() => {
                None
            }
            _ => Some("unknown package_length_type, see pack(). Link: https://php.net/pack"),
        },
        "package_eof" => match v {
            SettingValue::Str(s) if s.is_empty() => Some("package_eof cannot be an empty string"),
            SettingValue::Str(s) if s.len() > MAX_PACKAGE_EOF => {
                Some("package_eof max length is 8")
            }
            _ => None,
        },
        "package_length_offset" if v.as_int().unwrap_or(0) > MAX_HEADER_OFFSET => {
            Some("'package_length_offset' value is too large")
        }
        "package_body_offset" | "package_body_start"
            if v.as_int().unwrap_or(0) > MAX_HEADER_OFFSET =>
        {
            Some("'package_body_offset' value is too large")
        }
        _ => None,
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            worker_num: 1,
            task_worker_num: 0,
            dispatch_mode: 2,
            enable_unsafe_event: false,
            max_request: 0,
            max_request_grace: None,
            task_max_request: 0,
            task_max_request_grace: None,
            max_wait_time: Duration::from_secs(3),
            reload_async: true,
            max_concurrency: 0,
            start_session_id: 0,
            worker_max_concurrency: 0,
            // Swoole's default: one reactor thread per CPU (PROCESS mode).
            reactor_num: std::thread::available_parallelism().map_or(1, |n| n.get().min(16) as i64),
            max_connection: 100_000,
            cluster: None,
            room_capacity: 0,
            package_max_length: DEFAULT_PACKAGE_MAX_LENGTH,
            buffer_output_size: DEFAULT_BUFFER_OUTPUT_SIZE,
            socket_buffer_size: DEFAULT_SOCKET_BUFFER_SIZE,
            heartbeat_check_interval: None,
            heartbeat_idle_time: None,
            websocket_ping_interval: None,
            websocket_ping_timeout: None,
            http_request_timeout: Duration::from_secs(60),
            open_websocket_close_frame: false,
            open_websocket_ping_frame: false,
            open_websocket_pong_frame: false,
            websocket_subprotocol: None,
            websocket_compression: false,
            websocket_compression_server_context_takeover: false,
            websocket_compression_client_context_takeover: false,
            http_compression: true,
            http_compression_policy: Default::default(),
            open_http_protocol: true,
            open_http2_protocol: false,
            open_websocket_protocol: true,
            open_tcp_nodelay: true,
            backlog: 512,
            daemonize: false,
            pid_file: None,
            user: None,
            group: None,
            ssl_cert_file: None,
            ssl_key_file: None,
            log_file: None,
            log_level: None,
            upload_tmp_dir: "/tmp".to_string(),
            upload_max_filesize: 0,
            http_parse_post: true,
            http_parse_files: false,
            http_parse_cookie: true,
            enable_static_handler: false,
            document_root: None,
            static_handler_locations: Vec::new(),
            http_index_files: Vec::new(),
            stream: StreamFraming::default(),
            http2: Http2Settings::default(),
            enable_coroutine: true,
            send_yield: None,
            send_timeout: 0.0,
            task_enable_coroutine: false,
            task_object: false,
            event_object: false,
        }
    }
}

/// A positive number of seconds, at least 1 ms and at most ten years (so
/// that timers built from it neither spin nor overflow the clock).
fn non_empty(v: &SettingValue) -> Option<String> {
    match v {
        SettingValue::Str(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn seconds(v: &SettingValue) -> Option<Duration> {
    v.as_float()
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| Duration::from_secs_f64(s.clamp(0.001, 315_360_000.0)))
}

/// A size setting as a `u32` (larger ones are cut to `u32::MAX`).
fn size_u32(v: &SettingValue, fallback: u32) -> u32 {
    u32::try_from(size(v, fallback as usize)).unwrap_or(u32::MAX)
}

/// What an HTTP/2 server announces in its SETTINGS frame (`http2_*`
/// settings), with Swoole 6.2's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Http2Settings {
    pub header_table_size: u32,
    pub max_concurrent_streams: u32,
    pub init_window_size: u32,
    pub max_frame_size: u32,
    pub max_header_list_size: u32,
}

impl Default for Http2Settings {
    fn default() -> Self {
        Http2Settings {
            header_table_size: 4096,
            max_concurrent_streams: u32::MAX,
            init_window_size: 65535,
            max_frame_size: 16384,
            max_header_list_size: u32::MAX,
        }
    }
}

impl Http2Settings {
    /// The window size and frame size within what HTTP/2 allows (RFC 9113
    /// §6.5.2): a value out of range would be a protocol error.
    pub fn clamped(self) -> Self {
        Http2Settings {
            init_window_size: self.init_window_size.min((1 << 31) - 1),
            max_frame_size: self.max_frame_size.clamp(1 << 14, (1 << 24) - 1),
            ..self
        }
    }
}

fn size(v: &SettingValue, fallback: usize) -> usize {
    match v.as_int() {
        Some(n) if n > 0 => usize::try_from(n).unwrap_or(fallback),
        _ => fallback,
    }
}

/// `'cluster' => ['redis' => 'redis://host:port', 'channel' => 'app', 'required' => false]`;
/// null or false leaves the cluster.
fn cluster_setting(v: &SettingValue) -> Option<Result<super::bus::BusConfig, String>> {
    let fields = match v {
        SettingValue::Map(m) => m,
        SettingValue::Bool(false) | SettingValue::Other => return None,
        _ => return Some(Err(
            "the setting must be an array: ['redis' => 'redis://host:port', 'channel' => 'name']"
                .into(),
        )),
    };
    let get = |k: &str| fields.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let url = match get("redis") {
        Some(SettingValue::Str(s)) => s.clone(),
        _ => return Some(Err("'redis' => 'redis://host:port' is missing".into())),
    };
    let channel = match get("channel") {
        None => "swoole-rs".to_string(),
        Some(SettingValue::Str(s)) => s.clone(),
        Some(SettingValue::Int(i)) => i.to_string(),
        Some(_) => return Some(Err("'channel' must be a string".into())),
    };
    let required = get("required").is_some_and(SettingValue::truthy);
    Some(super::bus::BusConfig::new(
        &url,
        channel.as_bytes(),
        required,
    ))
}

impl Settings {
    /// A port that speaks no HTTP: a plain `Swoole\Server`'s, or one that
    /// `$port->set()` configures (Swoole starts those from a clean slate).
    pub fn plain_port() -> Settings {
        Settings {
            open_http_protocol: false,
            open_websocket_protocol: false,
            ..Settings::default()
        }
    }

    /// The most room memberships this node holds.
    pub fn room_capacity(&self) -> usize {
        match self.room_capacity {
            n if n > 0 => n as usize,
            _ => (self.max_connection.clamp(1, 1_000_000) as usize * 4).max(1024),
        }
    }

    /// What permessage-deflate negotiation may agree to.
    pub fn deflate_policy(&self) -> crate::protocol::deflate::DeflatePolicy {
        crate::protocol::deflate::DeflatePolicy {
            server_context_takeover: self.websocket_compression_server_context_takeover,
            client_context_takeover: self.websocket_compression_client_context_takeover,
        }
    }

    /// What a server port runs with once started (Swoole's
    /// `start_check()`): `package_max_length` at least 64 KiB.
    pub fn start(&mut self) {
        self.package_max_length = self.package_max_length.max(MIN_PACKAGE_MAX_LENGTH);
    }

    /// Applies one `set()` key. Unknown keys are kept by the caller in
    /// `$server->setting` and ignored here, as Swoole ignores them.
    pub fn apply(&mut self, key: &str, v: &SettingValue) {
        match key {
            "worker_num" => self.worker_num = v.as_int().unwrap_or(1).clamp(1, 128),
            "task_worker_num" => self.task_worker_num = v.as_int().unwrap_or(0).clamp(0, 128),
            "max_request" => self.max_request = v.as_int().unwrap_or(0).max(0),
            "max_request_grace" => self.max_request_grace = Some(v.as_int().unwrap_or(0).max(0)),
            "task_max_request" => self.task_max_request = v.as_int().unwrap_or(0).max(0),
            "task_max_request_grace" => {
                self.task_max_request_grace = Some(v.as_int().unwrap_or(0).max(0))
            }
            "reload_async" => self.reload_async = v.truthy(),
            "max_concurrency" => {
                self.max_concurrency = v.as_int().unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32
            }
            "start_session_id" => self.start_session_id = v.as_int().unwrap_or(0).max(0),
            "worker_max_concurrency" => {
                self.worker_max_concurrency =
                    v.as_int().unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32
            }
            "dispatch_mode" => self.dispatch_mode = v.as_int().unwrap_or(2),
            "enable_unsafe_event" => self.enable_unsafe_event = v.truthy(),
            "max_wait_time" => {
                if let Some(d) = seconds(v) {
                    self.max_wait_time = d
                }
            }
            "reactor_num" => self.reactor_num = v.as_int().unwrap_or(1).clamp(1, 64),
            "max_connection" | "max_conn" => {
                self.max_connection = v.as_int().unwrap_or(100_000).max(1)
            }
            "cluster" => self.cluster = cluster_setting(v),
            "room_capacity" => self.room_capacity = v.as_int().unwrap_or(0).max(0),
            "package_max_length" => self.package_max_length = size(v, DEFAULT_PACKAGE_MAX_LENGTH),
            "buffer_output_size" => self.buffer_output_size = size(v, DEFAULT_BUFFER_OUTPUT_SIZE),
            "socket_buffer_size" => self.socket_buffer_size = size(v, DEFAULT_SOCKET_BUFFER_SIZE),
            "heartbeat_check_interval" => self.heartbeat_check_interval = seconds(v),
            "heartbeat_idle_time" => self.heartbeat_idle_time = seconds(v),
            "websocket_ping_interval" => self.websocket_ping_interval = seconds(v),
            "websocket_ping_timeout" => self.websocket_ping_timeout = seconds(v),
            "http_request_timeout" => {
                if let Some(d) = seconds(v) {
                    self.http_request_timeout = d
                }
            }
            "open_websocket_close_frame" => self.open_websocket_close_frame = v.truthy(),
            "open_websocket_ping_frame" => self.open_websocket_ping_frame = v.truthy(),
            "open_websocket_pong_frame" => self.open_websocket_pong_frame = v.truthy(),
            "websocket_subprotocol" => {
                self.websocket_subprotocol = match v {
                    SettingValue::Str(s) if !s.is_empty() => Some(s.clone()),
                    _ => None,
                }
            }
            "websocket_compression" => self.websocket_compression = v.truthy(),
            "websocket_compression_server_context_takeover" => {
                self.websocket_compression_server_context_takeover = v.truthy()
            }
            "websocket_compression_client_context_takeover" => {
                self.websocket_compression_client_context_takeover = v.truthy()
            }
            "http_compression" => self.http_compression = v.truthy(),
            "http_compression_level" | "compression_level" | "http_gzip_level" => {
                if let Some(l) = v.as_int() {
                    std::sync::Arc::make_mut(&mut self.http_compression_policy).level =
                        l.clamp(0, 255) as u8;
                }
            }
            "http_compression_min_length" | "compression_min_length" => {
                std::sync::Arc::make_mut(&mut self.http_compression_policy).min_length =
                    size(v, 20);
            }
            "http_compression_types" | "compression_types" => {
                if let SettingValue::List(l) = v {
                    let types: Vec<String> = l.iter().filter(|t| !t.is_empty()).cloned().collect();
                    std::sync::Arc::make_mut(&mut self.http_compression_policy).types = Some(types);
                }
            }
            "open_http_protocol" => self.open_http_protocol = v.truthy(),
            "open_http2_protocol" => self.open_http2_protocol = v.truthy(),
            "open_websocket_protocol" => self.open_websocket_protocol = v.truthy(),
            "open_tcp_nodelay" => self.open_tcp_nodelay = v.truthy(),
            "backlog" => self.backlog = v.as_int().unwrap_or(512).clamp(1, 65535) as i32,
            "daemonize" => self.daemonize = v.truthy(),
            "pid_file" => self.pid_file = non_empty(v),
            "user" => self.user = non_empty(v),
            "group" => self.group = non_empty(v),
            "log_file" => {
                self.log_file = match v {
                    SettingValue::Str(s) if !s.is_empty() => Some(s.clone()),
                    _ => None,
                }
            }
            "log_level" => self.log_level = v.as_int(),
            "ssl_cert_file" | "ssl_key_file" => {
                let value = match v {
                    SettingValue::Str(s) if !s.is_empty() => Some(s.clone()),
                    _ => None,
                };
                if key == "ssl_cert_file" {
                    self.ssl_cert_file = value
                } else {
                    self.ssl_key_file = value
                }
            }
            "upload_tmp_dir" => {
                if let SettingValue::Str(s) = v {
                    self.upload_tmp_dir = s.clone()
                }
            }
            "http_parse_post" => self.http_parse_post = v.truthy(),
            "http_parse_files" => self.http_parse_files = v.truthy(),
            "upload_max_filesize" => self.upload_max_filesize = size(v, 0),
            "enable_static_handler" => self.enable_static_handler = v.truthy(),
            "document_root" => {
                self.document_root = match v {
                    SettingValue::Str(s) if !s.is_empty() => Some(s.clone()),
                    _ => None,
                }
            }
            "static_handler_locations" => {
                if let SettingValue::List(l) = v {
                    self.static_handler_locations = l.clone()
                }
            }
            "http_index_files" => {
                if let SettingValue::List(l) = v {
                    self.http_index_files = l.clone()
                }
            }
            "http_parse_cookie" => self.http_parse_cookie = v.truthy(),
            "enable_coroutine" => self.enable_coroutine = v.truthy(),
            "http2_header_table_size" => {
                self.http2.header_table_size = size_u32(v, self.http2.header_table_size)
            }
            "http2_max_concurrent_streams" => {
                self.http2.max_concurrent_streams = size_u32(v, self.http2.max_concurrent_streams)
            }
            "http2_init_window_size" => {
                self.http2.init_window_size = size_u32(v, self.http2.init_window_size)
            }
            "http2_max_frame_size" => {
                self.http2.max_frame_size = size_u32(v, self.http2.max_frame_size)
            }
            "http2_max_header_list_size" => {
                self.http2.max_header_list_size = size_u32(v, self.http2.max_header_list_size)
            }
            "send_yield" => self.send_yield = Some(v.truthy()),
            "send_timeout" => self.send_timeout = v.as_float().unwrap_or(0.0).max(0.0),
            "task_enable_coroutine" => self.task_enable_coroutine = v.truthy(),
            "task_object" | "task_use_object" => self.task_object = v.truthy(),
            "event_object" => self.event_object = v.truthy(),
            "open_length_check" => self.stream.open_length_check = v.truthy(),
            "package_length_type" => {
                if let Some(ty) = match v {
                    SettingValue::Str(s) => s.bytes().next().and_then(LengthType::from_code),
                    _ => None,
                } {
                    self.stream.length_type = ty
                }
            }
            "package_length_offset" => {
                self.stream.length_offset =
                    v.as_int().unwrap_or(0).clamp(0, MAX_HEADER_OFFSET) as usize
            }
            "package_body_offset" | "package_body_start" => {
                self.stream.body_offset =
                    v.as_int().unwrap_or(0).clamp(0, MAX_HEADER_OFFSET) as usize
            }
            // Swoole: a length function is length framing, whatever
            // `open_length_check` says.
            "package_length_func" => {
                // The PHP layer passes whether the value is callable.
                self.stream.length_func = v.truthy();
                if self.stream.length_func {
                    self.stream.open_length_check = true;
                }
            }
            "open_eof_check" => self.stream.open_eof_check = v.truthy(),
            "open_eof_split" => {
                self.stream.open_eof_split = v.truthy();
                if self.stream.open_eof_split {
                    self.stream.open_eof_check = true;
                }
            }
            "package_eof" => {
                if let SettingValue::Str(s) = v {
                    if !s.is_empty() && s.len() <= MAX_PACKAGE_EOF {
                        self.stream.package_eof = s.as_bytes().to_vec()
                    }
                }
            }
            _ => {}
        }
    }

    /// How many HTTP requests one worker answers at once before the next
    /// ones wait (0: no limit).
    pub fn worker_request_concurrency(&self) -> u32 {
        if self.worker_max_concurrency > 0 {
            self.worker_max_concurrency
        } else {
            self.max_concurrency
        }
    }

    /// The idle time after which the heartbeat closes a connection, if the
    /// heartbeat is on. Swoole: `heartbeat_idle_time` defaults to twice the
    /// check interval, and setting only the idle time turns the check on.
    pub fn heartbeat(&self) -> Option<(Duration, Duration)> {
        match (self.heartbeat_check_interval, self.heartbeat_idle_time) {
            (None, None) => None,
            (Some(i), None) => Some((i, i * 2)),
            (None, Some(idle)) => Some(((idle / 2).max(Duration::from_millis(100)), idle)),
            (Some(i), Some(idle)) => Some((i, idle)),
        }
    }

    /// (interval, timeout) of the keepalive pings, when
    /// `websocket_ping_interval` is on.
    pub fn websocket_pings(&self) -> Option<(Duration, Duration)> {
        let interval = self.websocket_ping_interval.filter(|d| !d.is_zero())?;
        let timeout = self
            .websocket_ping_timeout
            .filter(|d| !d.is_zero())
            .unwrap_or(interval);
        Some((interval, timeout))
    }

    /// How a plain TCP port of these settings frames its stream: EOF first,
    /// then a length, else raw reads (Swoole's order).
    pub fn framing(&self) -> Framing {
        let f = &self.stream;
        if f.open_eof_check {
            Framing::Eof {
                eof: f.package_eof.clone(),
                split: f.open_eof_split,
            }
        } else if f.open_length_check && f.length_func {
            Framing::LengthFunc
        } else if f.open_length_check {
            Framing::Length {
                ty: f.length_type,
                length_offset: f.length_offset,
                body_offset: f.body_offset,
            }
        } else {
            Framing::Raw
        }
    }

    /// The document root when the static handler is on.
    pub fn static_root(&self) -> Option<&str> {
        self.document_root
            .as_deref()
            .filter(|_| self.enable_static_handler)
    }

    /// How many events a worker (`task`: a task worker) handles before it
    /// is replaced, as Swoole's `Worker::set_max_request` decides it once
    /// per process: `max_request` plus `1 + random % grace`, the grace
    /// being `max_request_grace`, by default half of a `max_request` over
    /// 10 (Swoole's SW_WORKER_MIN_REQUEST), else none. 0: never.
    pub fn worker_request_limit(&self, task: bool, random: u32) -> u64 {
        let (max, grace) = if task {
            (self.task_max_request, self.task_max_request_grace)
        } else {
            (self.max_request, self.max_request_grace)
        };
        let max = max.max(0) as u64;
        let grace = grace.map_or(if max > 10 { max / 2 } else { 0 }, |g| g.max(0) as u64);
        if max == 0 || grace == 0 {
            return max;
        }
        max + 1 + u64::from(random) % grace
    }

    /// Whether a refused send waits in its coroutine (`send_yield`): as
    /// set, else with coroutines; in SWOOLE_PROCESS only with a dispatch
    /// mode that keeps a connection on one worker (2, 4, 8), as Swoole
    /// decides at start.
    pub fn send_yields(&self, process_mode: bool) -> bool {
        self.send_yield.unwrap_or(self.enable_coroutine)
            && (!process_mode || matches!(self.dispatch_mode, 2 | 4 | 8))
    }

    /// The most bytes a connection may queue: a push is refused once this
    /// much is waiting, but a single large push into an empty queue goes
    /// through (Swoole writes 9 MiB pushes with default settings).
    pub fn output_queue_limit(&self) -> usize {
        self.socket_buffer_size.max(self.buffer_output_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_swoole() {
        let s = Settings::default();
        assert_eq!(s.package_max_length, 2 * 1024 * 1024);
        assert!(s.heartbeat().is_none());
        assert!(!s.open_websocket_close_frame);
    }

    /// `http2_*` sizes, and values HTTP/2 cannot carry brought into range.
    #[test]
    fn http2_settings_default_to_swooles_and_are_kept_in_range() {
        let mut s = Settings::default();
        assert_eq!(s.http2.max_concurrent_streams, u32::MAX);
        assert_eq!(
            (s.http2.init_window_size, s.http2.max_frame_size),
            (65535, 16384)
        );
        s.apply("http2_max_concurrent_streams", &SettingValue::Int(8));
        s.apply("http2_init_window_size", &SettingValue::Int(1 << 40));
        s.apply("http2_max_frame_size", &SettingValue::Int(100));
        s.apply("http2_header_table_size", &SettingValue::Int(0));
        let h = s.http2.clamped();
        assert_eq!(h.max_concurrent_streams, 8);
        assert_eq!(h.init_window_size, (1 << 31) - 1);
        assert_eq!(h.max_frame_size, 1 << 14);
        assert_eq!(
            h.header_table_size, 4096,
            "0 is not a size: the default stays"
        );
    }

    /// A worker's request limit: max_request plus a grace in 1..=grace
    /// (half of max_request by default, none at 10 or less); task workers
    /// have their own (none by default).
    #[test]
    fn the_request_limit_adds_swooles_grace() {
        let mut s = Settings::default();
        assert_eq!(s.worker_request_limit(false, 7), 0);
        s.apply("max_request", &SettingValue::Int(10));
        assert_eq!(s.worker_request_limit(false, 7), 10);
        s.apply("max_request", &SettingValue::Int(100));
        let limits: Vec<u64> = (0..200).map(|r| s.worker_request_limit(false, r)).collect();
        assert_eq!(limits.iter().min(), Some(&101));
        assert_eq!(limits.iter().max(), Some(&150));
        s.apply("max_request_grace", &SettingValue::Int(0));
        assert_eq!(s.worker_request_limit(false, 7), 100);
        s.apply("max_request_grace", &SettingValue::Int(3));
        assert_eq!(s.worker_request_limit(false, 5), 103);
        // task workers: task_max_request only
        assert_eq!(s.worker_request_limit(true, 5), 0);
        s.apply("task_max_request", &SettingValue::Int(4));
        assert_eq!(s.worker_request_limit(true, 5), 4);
        s.apply("task_max_request_grace", &SettingValue::Int(2));
        assert_eq!(s.worker_request_limit(true, 5), 6);
    }

    /// `send_yield` follows `enable_coroutine` unless set, and SWOOLE_PROCESS
    /// keeps it only with a dispatch mode that hashes connections.
    #[test]
    fn send_yield_follows_coroutines_and_the_dispatch_mode() {
        let mut s = Settings::default();
        assert!(s.send_yields(false) && s.send_yields(true));
        s.apply("enable_coroutine", &SettingValue::Bool(false));
        assert!(!s.send_yields(false));
        s.apply("send_yield", &SettingValue::Bool(true));
        assert!(s.send_yields(false));
        s.apply("dispatch_mode", &SettingValue::Int(1));
        assert!(s.send_yields(false) && !s.send_yields(true));
        s.apply("dispatch_mode", &SettingValue::Int(4));
        assert!(s.send_yields(true));
        s.apply("send_timeout", &SettingValue::Float(-1.0));
        assert_eq!(s.send_timeout, 0.0);
        s.apply("send_timeout", &SettingValue::Float(0.25));
        assert_eq!(s.send_timeout, 0.25);
    }

    #[test]
    fn heartbeat_idle_defaults_to_twice_the_interval() {
        let mut s = Settings::default();
        s.apply("heartbeat_check_interval", &SettingValue::Int(5));
        assert_eq!(
            s.heartbeat(),
            Some((Duration::from_secs(5), Duration::from_secs(10)))
        );
        s.apply("heartbeat_idle_time", &SettingValue::Float(1.5));
        assert_eq!(
            s.heartbeat(),
            Some((Duration::from_secs(5), Duration::from_millis(1500)))
        );
    }

    #[test]
    fn absurd_durations_are_clamped() {
        let mut s = Settings::default();
        s.apply("heartbeat_check_interval", &SettingValue::Float(1e-12));
        s.apply("heartbeat_idle_time", &SettingValue::Float(1e300));
        let (interval, idle) = s.heartbeat().expect("heartbeat on");
        assert_eq!(interval, Duration::from_millis(1));
        assert_eq!(idle, Duration::from_secs(315_360_000));
    }

    #[test]
    fn framing_follows_swooles_precedence_and_defaults() {
        let mut s = Settings::default();
        assert_eq!(s.framing(), Framing::Raw);
        s.apply("open_length_check", &SettingValue::Bool(true));
        assert_eq!(
            s.framing(),
            Framing::Length {
                ty: LengthType::U32Be,
                length_offset: 0,
                body_offset: 4
            }
        );
        s.apply("package_length_type", &SettingValue::Str("v".into()));
        s.apply("package_length_offset", &SettingValue::Int(2));
        s.apply("package_body_offset", &SettingValue::Int(-3));
        assert_eq!(
            s.framing(),
            Framing::Length {
                ty: LengthType::U16Le,
                length_offset: 2,
                body_offset: 0
            }
        );
        // EOF wins over length, and split implies the check.
        s.apply("open_eof_split", &SettingValue::Bool(true));
        s.apply("package_eof", &SettingValue::Str("\n".into()));
        assert_eq!(
            s.framing(),
            Framing::Eof {
                eof: b"\n".to_vec(),
                split: true
            }
        );
    }

    #[test]
    fn bad_framing_values_are_refused_with_swooles_text() {
        let str_v = |s: &str| SettingValue::Str(s.into());
        assert!(refused("package_length_type", &str_v("N")).is_none());
        assert!(refused("package_length_type", &str_v("x")).is_some());
        assert!(refused("package_length_type", &str_v("")).is_some());
        assert_eq!(
            refused("package_eof", &str_v("")),
            Some("package_eof cannot be an empty string")
        );
        assert!(refused("package_eof", &str_v("123456789")).is_some());
        assert!(refused("package_eof", &str_v("12345678")).is_none());
        assert!(refused("package_length_offset", &SettingValue::Int(100_000)).is_some());
        // A refused value leaves the setting as it was.
        let mut s = Settings::default();
        s.apply("package_length_type", &str_v("x"));
        assert_eq!(s.stream.length_type, LengthType::U32Be);
    }

    #[test]
    fn php_style_conversions() {
        let mut s = Settings::default();
        s.apply("open_websocket_close_frame", &SettingValue::Str("1".into()));
        assert!(s.open_websocket_close_frame);
        s.apply("open_websocket_close_frame", &SettingValue::Str("0".into()));
        assert!(!s.open_websocket_close_frame);
        s.apply("package_max_length", &SettingValue::Str("1024".into()));
        assert_eq!(s.package_max_length, 1024);
        let mut started = s.clone();
        started.start();
        assert_eq!(
            started.package_max_length,
            64 * 1024,
            "Swoole's least at start"
        );
        s.apply("package_max_length", &SettingValue::Int(-5));
        assert_eq!(s.package_max_length, DEFAULT_PACKAGE_MAX_LENGTH);
        s.apply("websocket_subprotocol", &SettingValue::Str("chat".into()));
        assert_eq!(s.websocket_subprotocol.as_deref(), Some("chat"));
    }
}
