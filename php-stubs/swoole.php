<?php
/**
 * IDE and static-analysis stubs for swoole-rs, a Rust PHP extension that implements
 * Swoole 6.2's WebSocket server API (module name "swoole").
 *
 * Never include this file at runtime: it only declares signatures. Bodies are empty.
 * Signatures follow Swoole 6.2.2 (reflection of the real extension); swoole-rs additions
 * and kept Swoole 4 names are marked as such.
 */

namespace Swoole {
    /**
     * A table of rows with fixed columns (int, float, fixed-size string), keyed by
     * strings of at most 63 bytes; the usual place for an fd-to-user map.
     * In swoole-rs (one worker) the rows live in the worker process.
     */
    class Table implements \Iterator, \Countable
    {
        /** Column type: 64-bit signed integer (the $size argument of column() is ignored). */
        public const TYPE_INT = 1;
        /** Column type: double-precision float (the $size argument of column() is ignored). */
        public const TYPE_FLOAT = 2;
        /** Column type: string of at most the column's $size bytes. */
        public const TYPE_STRING = 3;

        /** Rows the table holds (the requested size rounded up to a power of two). */
        public $size = 0;
        /** Bytes the rows take, known after create(). */
        public $memorySize = 0;

        /** A table for $table_size rows; declare columns, then create(). */
        public function __construct(int $table_size, float $conflict_proportion = 0.2) {}
        /** Declare a column: TYPE_INT, TYPE_FLOAT, or TYPE_STRING of at most $size bytes. */
        public function column(string $name, int $type, int $size = 0): bool {}
        /** Allocate the table; columns are fixed from now on. */
        public function create(): bool {}
        /** Free the table and its rows. */
        public function destroy(): bool {}
        /** Set columns of a row (created with zeros if new); longer strings are cut. */
        public function set(string $key, array $value): bool {}
        /** A row as an array, or one column of it with $field; false if there is no such row. */
        public function get(string $key, ?string $field = null): mixed {}
        /** The number of rows. */
        public function count(): int {}
        /** Delete a row. */
        public function del(string $key): bool {}
        /** Whether a row exists. */
        public function exists(string $key): bool {}
        /** Alias of exists(). */
        public function exist(string $key): bool {}
        /** Add to a numeric column (the row is created if missing); returns the new value. */
        public function incr(string $key, string $column, int|float $incrby = 1): int|float {}
        /** Subtract from a numeric column; returns the new value. */
        public function decr(string $key, string $column, int|float $incrby = 1): int|float {}
        /** The number of rows the table holds. */
        public function getSize(): int {}
        /** The bytes the table takes. */
        public function getMemorySize(): int {}
        /** Usage figures. */
        public function stats(): array|false {}
        /** Restart iteration (foreach) from the first row. */
        public function rewind(): void {}
        /** Whether the iteration points at a row. */
        public function valid(): bool {}
        /** Move to the next row. */
        public function next(): void {}
        /** The current row as an array. */
        public function current(): mixed {}
        /** The current row's key. */
        public function key(): mixed {}
    }


    /**
     * Event-driven network server (TCP/UDP). Base class of \Swoole\Http\Server and
     * \Swoole\WebSocket\Server; register callbacks with on(), configure with set(), then start().
     */
    class Server
    {
        /** @var callable|null Callback registered with on('start'). */
        private $onStart = null;
        /** @var callable|null Callback registered with on('beforeShutdown'). */
        private $onBeforeShutdown = null;
        /** @var callable|null Callback registered with on('shutdown'). */
        private $onShutdown = null;
        /** @var callable|null Callback registered with on('workerStart'). */
        private $onWorkerStart = null;
        /** @var callable|null Callback registered with on('workerStop'). */
        private $onWorkerStop = null;
        /** @var callable|null Callback registered with on('beforeReload'). */
        private $onBeforeReload = null;
        /** @var callable|null Callback registered with on('afterReload'). */
        private $onAfterReload = null;
        /** @var callable|null Callback registered with on('workerExit'). */
        private $onWorkerExit = null;
        /** @var callable|null Callback registered with on('workerError'). */
        private $onWorkerError = null;
        /** @var callable|null Callback registered with on('task'). */
        private $onTask = null;
        /** @var callable|null Callback registered with on('finish'). */
        private $onFinish = null;
        /** @var callable|null Callback registered with on('managerStart'). */
        private $onManagerStart = null;
        /** @var callable|null Callback registered with on('managerStop'). */
        private $onManagerStop = null;
        /** @var callable|null Callback registered with on('pipeMessage'). */
        private $onPipeMessage = null;

        /** @var array|null The settings passed to set(), merged over the defaults. */
        public $setting = null;
        /** @var \Swoole\Connection\Iterator|null The open connections: foreach yields each fd; count() and isset($server->connections[$fd]) work. */
        public $connections = null;
        /** @var string Host the main listener was bound to. */
        public $host = '';
        /** @var int Port of the main listener (the real port when 0 was requested). */
        public $port = 0;
        /** @var int Socket type of the main listener (SWOOLE_SOCK_*, possibly | SWOOLE_SSL). */
        public $type = 0;
        /** @var bool Whether the main listener uses TLS. */
        public $ssl = false;
        /** @var int Server mode: SWOOLE_BASE or SWOOLE_PROCESS. */
        public $mode = 0;
        /** @var \Swoole\Server\Port[]|null All listeners: the main one first, then those added by listen(). */
        public $ports = null;
        /** @var int PID of the master process (set once started). */
        public $master_pid = 0;
        /** @var int PID of the manager process (0 when there is none). */
        public $manager_pid = 0;
        /** @var int Id of the current worker (0..worker_num-1, task workers after them); -1 outside a worker. */
        public $worker_id = -1;
        /** @var bool True inside a task worker. */
        public $taskworker = false;
        /** @var int PID of the current worker process. */
        public $worker_pid = 0;
        /** @var int|null Timer id of the statistics timer, when enabled. */
        public $stats_timer = null;
        /** @var mixed Admin server handle, when `admin_server` is configured. */
        public $admin_server = null;

        /**
         * Create a server listening on $host:$port (the socket is bound now, served by start()).
         * @param string $host Address to bind ('0.0.0.0' for all IPv4, '::' for all IPv6, or a Unix socket path).
         * @param int $port Port to bind; 0 picks a free port (see $server->port).
         * @param int $mode SWOOLE_BASE (default) or SWOOLE_PROCESS.
         * @param int $sock_type SWOOLE_SOCK_TCP, SWOOLE_SOCK_TCP6, ..., optionally | SWOOLE_SSL.
         * @throws \Swoole\Exception When the port cannot be bound or another server is already running.
         */
        public function __construct(string $host = '0.0.0.0', int $port = 0, int $mode = \SWOOLE_BASE, int $sock_type = \SWOOLE_SOCK_TCP) {}

        /** Release the server's resources. */
        public function __destruct() {}

        /**
         * Add another listener (port) to the server; call before start().
         * @param int $sock_type SWOOLE_SOCK_* socket type, optionally | SWOOLE_SSL.
         * @return \Swoole\Server\Port|false The new port (set its own settings/callbacks on it), or false on failure.
         */
        public function listen(string $host, int $port, int $sock_type): \Swoole\Server\Port|false {}

        /**
         * Alias of listen(): add another listener to the server.
         * @return \Swoole\Server\Port|false
         */
        public function addlistener(string $host, int $port, int $sock_type): \Swoole\Server\Port|false {}

        /**
         * Register an event callback (event names are case-insensitive). Events and callback signatures:
         *
         * Server lifecycle:
         * - start: function(Server $server) — master started (PROCESS mode) / server started.
         * - beforeShutdown: function(Server $server) — shutdown begins, connections still open.
         * - shutdown: function(Server $server) — server stopped, after all connections are closed.
         * - managerStart / managerStop: function(Server $server)
         * - workerStart: function(Server $server, int $workerId) — a worker (or task worker) started.
         * - workerStop: function(Server $server, int $workerId) — a worker is stopping.
         * - workerExit: function(Server $server, int $workerId) — a worker is waiting for its events to drain (reload_async).
         * - workerError: function(Server $server, int $workerId, int $workerPid, int $exitCode, int $signal)
         * - beforeReload / afterReload: function(Server $server)
         *
         * Connections (TCP/UDP):
         * - connect: function(Server $server, int $fd, int $reactorId)
         * - receive: function(Server $server, int $fd, int $reactorId, string $data)
         * - packet: function(Server $server, string $data, array $clientInfo) — UDP datagram.
         * - close: function(Server $server, int $fd, int $reactorId) — $reactorId is -1 when the server closed it.
         * - bufferFull / bufferEmpty: function(Server $server, int $fd) — output buffer high/low watermark.
         *
         * Tasks and IPC:
         * - task: function(Server $server, int $taskId, int $srcWorkerId, mixed $data) — in a task worker; return a value to finish().
         * - finish: function(Server $server, int $taskId, mixed $data) — task result back in the worker that sent it.
         * - pipeMessage: function(Server $server, int $srcWorkerId, mixed $message) — from sendMessage().
         *
         * HTTP (\Swoole\Http\Server and \Swoole\WebSocket\Server):
         * - request: function(\Swoole\Http\Request $request, \Swoole\Http\Response $response)
         *
         * WebSocket (\Swoole\WebSocket\Server):
         * - handshake: function(\Swoole\Http\Request $request, \Swoole\Http\Response $response) — replaces the built-in handshake:
         *   set status(101) and the Sec-WebSocket-Accept headers, then end() (or end() another status and return false to refuse).
         *   When set, open is not called.
         * - beforeHandshakeResponse: function(Server $server, \Swoole\Http\Request $request, \Swoole\Http\Response $response) — adjust the built-in 101 response.
         * - open: function(\Swoole\WebSocket\Server $server, \Swoole\Http\Request $request) — handshake done, push() allowed.
         * - message: function(\Swoole\WebSocket\Server $server, \Swoole\WebSocket\Frame $frame) — required: start() fails without it.
         * - disconnect: function(\Swoole\WebSocket\Server $server, int $fd) — a non-WebSocket connection closed (used instead of close).
         *
         * @param string $event_name One of the event names above.
         * @param callable $callback The handler.
         * @return bool False (with a warning) for an unknown event or a non-callable callback.
         */
        public function on(string $event_name, callable $callback): bool {}

        /**
         * Return the callback registered for an event, or null when none is set.
         * @return \Closure|array|string|null
         */
        public function getCallback(string $event_name): \Closure|array|string|null {}

        /**
         * Configure the server before start(): worker_num, task_worker_num, dispatch_mode, daemonize, log_file,
         * heartbeat_*, package_max_length, buffer_output_size, ssl_cert_file/ssl_key_file, websocket_compression,
         * websocket_subprotocol, open_websocket_close_frame/ping_frame/pong_frame, ...
         * @param array $settings Setting name => value.
         */
        public function set(array $settings): bool {}

        /**
         * Start serving: forks workers as configured and runs the event loop. Blocks until shutdown.
         * @return bool False if the server could not start (e.g. a required callback is missing).
         */
        public function start(): bool {}

        /**
         * Send raw bytes to a connection (no WebSocket framing; use push() for WebSocket messages).
         * @param string|int $fd Connection id (or Unix dgram peer path).
         * @param int $serverSocket For Unix dgram servers: the server socket to send from.
         * @return bool False when the connection does not exist or its output buffer is full.
         */
        public function send(string|int $fd, string $send_data, int $serverSocket = -1): bool {}

        /**
         * Send a UDP datagram to $ip:$port.
         * @param int $server_socket Which UDP listener to send from (-1: the first one).
         */
        public function sendto(string $ip, int $port, string $send_data, int $server_socket = -1): bool {}

        /** Send raw bytes to a connection and block until they are written (SWOOLE_BASE only). */
        public function sendwait(int $conn_fd, string $send_data): bool {}

        /** Whether a connection with this fd is open. */
        public function exists(int $fd): bool {}

        /** Alias of exists(): whether a connection with this fd is open. */
        public function exist(int $fd): bool {}

        /** Protect a connection from the heartbeat check (or remove the protection). */
        public function protect(int $fd, bool $is_protected = true): bool {}

        /**
         * Send (part of) a file to a connection.
         * @param int $length Bytes to send; 0 means up to the end of the file.
         */
        public function sendfile(int $conn_fd, string $filename, int $offset = 0, int $length = 0): bool {}

        /**
         * Close a connection (for WebSocket: no close frame is sent; use disconnect() for a clean close).
         * onClose runs with $reactorId = -1.
         * @param bool $reset Reset the connection (RST) instead of a graceful FIN.
         */
        public function close(int $fd, bool $reset = false): bool {}

        /** Accept a connection held back by the `enable_delay_receive` setting and start reading from it. */
        public function confirm(int $fd): bool {}

        /** Stop reading from a connection (flow control); resume() starts again. */
        public function pause(int $fd): bool {}

        /** Resume reading from a connection paused with pause(). */
        public function resume(int $fd): bool {}

        /**
         * Send a task to a task worker (needs `task_worker_num`); the result arrives in onFinish or $finishCallback.
         * @param int $taskWorkerIndex Target task worker, -1 for any.
         * @return int|false The task id, or false.
         */
        public function task(mixed $data, int $taskWorkerIndex = -1, ?callable $finishCallback = null): int|false {}

        /**
         * Send a task and block until its result arrives or $timeout seconds pass.
         * @return mixed The task result, or false on timeout.
         */
        public function taskwait(mixed $data, float $timeout = 0.5, int $taskWorkerIndex = -1): mixed {}

        /**
         * Send several tasks and wait for all results (up to $timeout seconds).
         * @return array|false Results keyed like $tasks (missing entries timed out).
         */
        public function taskWaitMulti(array $tasks, float $timeout = 0.5): array|false {}

        /**
         * Coroutine version of taskWaitMulti(): sends every task at once, then the calling
         * coroutine waits (the worker serves others meanwhile) up to $timeout seconds; the
         * results keyed by task index in the order they arrived, false for a task that did not
         * finish in time. Only in a coroutine of an event worker.
         * @return array|false
         */
        public function taskCo(array $tasks, float $timeout = 0.5): array|false {}

        /** From a task worker: send the task's result back to the worker that sent it (onFinish). */
        public function finish(mixed $data): bool {}

        /**
         * Gracefully restart the worker processes (e.g. to load new code).
         * @param bool $only_reload_taskworker Restart only task workers.
         */
        public function reload(bool $only_reload_taskworker = false): bool {}

        /** Shut the server down: close connections, run onShutdown, leave start(). */
        public function shutdown(): bool {}

        /**
         * Stop a worker process (the manager starts a new one).
         * @param int $workerId -1: the current worker.
         */
        public function stop(int $workerId = -1): bool {}

        /** The error code (SWOOLE_ERROR_*) of the last failed server operation. */
        public function getLastError(): int {}

        /**
         * Check all connections against `heartbeat_idle_time` now.
         * @param bool $ifCloseConnection Close the idle connections found.
         * @return array|false The fds of the idle connections.
         */
        public function heartbeat(bool $ifCloseConnection = true): array|false {}

        /**
         * Information about a connection: websocket_status, server_port, server_fd, socket_fd, socket_type,
         * remote_port, remote_ip, reactor_id, connect_time, last_time, last_recv_time, last_send_time,
         * last_dispatch_time, close_errno, recv_queued_bytes, send_queued_bytes (and uid when bound).
         * @param bool $ignoreError Return the info even if the connection is closed.
         * @return array|false False when the connection does not exist.
         */
        public function getClientInfo(int $fd, int $reactor_id = -1, bool $ignoreError = false): array|false {}

        /**
         * List open connection fds, starting after $start_fd (paginate with the last fd returned).
         * @return array|false
         */
        public function getClientList(int $start_fd = 0, int $find_count = 10): array|false {}

        /** The id of the current worker, or false outside a worker. */
        public function getWorkerId(): int|false {}

        /**
         * The PID of a worker.
         * @param int $worker_id -1: the current worker.
         */
        public function getWorkerPid(int $worker_id = -1): int|false {}

        /**
         * The status of a worker: SWOOLE_WORKER_BUSY, SWOOLE_WORKER_IDLE or SWOOLE_WORKER_EXIT.
         * @param int $worker_id -1: the current worker.
         */
        public function getWorkerStatus(int $worker_id = -1): int|false {}

        /** The PID of the manager process. */
        public function getManagerPid(): int {}

        /** The PID of the master process. */
        public function getMasterPid(): int {}

        /**
         * Alias of getClientInfo(): information about a connection.
         * @return array|false
         */
        public function connection_info(int $fd, int $reactor_id = -1, bool $ignoreError = false): array|false {}

        /**
         * Alias of getClientList(): list open connection fds.
         * @return array|false
         */
        public function connection_list(int $start_fd = 0, int $find_count = 10): array|false {}

        /** Send a message to another worker or task worker; it receives it in onPipeMessage. */
        public function sendMessage(mixed $message, int $dst_worker_id): bool {}

        /**
         * Run a command registered with addCommand() in another process.
         * @param int $process_type SWOOLE_SERVER_COMMAND_* target process type.
         * @return array|string|false The command's reply (decoded from JSON when $json_decode).
         */
        public function command(string $name, int $process_id, int $process_type, mixed $data, bool $json_decode = true): array|string|false {}

        /**
         * Register a command callable via command() in the given process types.
         * @param int $accepted_process_types Bitmask of SWOOLE_SERVER_COMMAND_*.
         */
        public function addCommand(string $name, int $accepted_process_types, callable $callback): bool {}

        /**
         * Add a user process managed with the server (started and restarted with it).
         * @return int|false The process id inside the server.
         */
        public function addProcess(\Swoole\Process $process): int|false {}

        /** Server statistics: start_time, connection_num, accept_count, close_count, worker_num, request_count, ... */
        public function stats(): array {}

        /** Bind a connection to a user id (used by dispatch_mode SWOOLE_DISPATCH_UIDMOD). */
        public function bind(int $fd, int $uid): bool {}

        /**
         * Run a callback at the end of the current event-loop iteration.
         * Swoole 4 method, removed in Swoole 6; kept by swoole-rs (same as \Swoole\Event::defer()).
         */
        public function defer(callable $callback): bool {}

        /**
         * Call $callback every $ms milliseconds with ($timerId, ...$params) in the current worker.
         * Swoole 4 method, removed in Swoole 6; kept by swoole-rs (same as \Swoole\Timer::tick()).
         * @return int|false The timer id, for clearTimer().
         */
        public function tick(int $ms, callable $callback, mixed ...$params): int|false {}

        /**
         * Call $callback once after $ms milliseconds with (...$params) in the current worker.
         * Swoole 4 method, removed in Swoole 6; kept by swoole-rs (same as \Swoole\Timer::after()).
         * @return int|false The timer id, for clearTimer().
         */
        public function after(int $ms, callable $callback, mixed ...$params): int|false {}

        /**
         * Cancel a timer created with tick() or after().
         * Swoole 4 method, removed in Swoole 6; kept by swoole-rs (same as \Swoole\Timer::clear()).
         */
        public function clearTimer(int $timer_id): bool {}
    }

    /** Millisecond timers running in the current process's event loop (alias functions: swoole_timer_*). */
    class Timer
    {
        /**
         * Call $callback every $ms milliseconds with ($timerId, ...$params).
         * @return int|false The timer id.
         */
        public static function tick(int $ms, callable $callback, mixed ...$params): int|false {}

        /**
         * Call $callback once after $ms milliseconds with (...$params).
         * @return int|false The timer id.
         */
        public static function after(int $ms, callable $callback, mixed ...$params): int|false {}

        /** Whether a timer with this id is pending. */
        public static function exists(int $timer_id): bool {}

        /**
         * Details of a timer (exec_msec, exec_count, interval, round, removed), or null when unknown.
         * @return array|null
         */
        public static function info(int $timer_id): ?array {}

        /** Timer statistics: initialized, num (pending timers), round. */
        public static function stats(): array {}

        /** The ids of all pending timers, as an \ArrayIterator. */
        public static function list(): \Swoole\Timer\Iterator {}

        /** Cancel a timer. */
        public static function clear(int $timer_id): bool {}

        /** Cancel every timer of this process. */
        public static function clearAll(): bool {}
    }

    /**
     * The process's event loop (alias functions: swoole_event_*()): callbacks on a descriptor's
     * readiness, a callback per loop iteration, deferred calls, and the loop itself.
     */
    class Event
    {
        /**
         * Call $read_callback($fd) when $fd (a number, a stream, or an object with an fd property such
         * as \Swoole\Coroutine\Socket) is readable and $write_callback($fd) when it is writable, as
         * $events (SWOOLE_EVENT_READ, SWOOLE_EVENT_WRITE) asks. Level-triggered, as Swoole's reactor.
         * @return int|false The descriptor, or false (a warning says why; already added: error 1004).
         */
        public static function add(mixed $fd, ?callable $read_callback = null, ?callable $write_callback = null, int $events = \SWOOLE_EVENT_READ): int|false {}

        /** Stop watching $fd; false (and a warning) if it is not watched. */
        public static function del(mixed $fd): bool {}

        /** Change a watch's callbacks (a null one keeps the old) and, unless 0, its events. */
        public static function set(mixed $fd, ?callable $read_callback = null, ?callable $write_callback = null, int $events = 0): bool {}

        /** Whether $fd is watched for any of $events. */
        public static function isset(mixed $fd, int $events = \SWOOLE_EVENT_READ | \SWOOLE_EVENT_WRITE): bool {}

        /** Run the event loop for one iteration (outside a server). */
        public static function dispatch(): bool {}

        /**
         * Run $callback at the end of the current event-loop iteration (outside a server, when the
         * script ends, as Swoole's event loop does).
         * @return bool Always true.
         */
        public static function defer(callable $callback): bool {}

        /**
         * Call $callback at the end of every loop iteration (after the timers and watched descriptors
         * it served); null removes it (false when there was none).
         */
        public static function cycle(?callable $callback, bool $before = false): bool {}

        /** Write $data to $fd: now what it takes, the rest when it is writable, in order. */
        public static function write(mixed $fd, string $data): bool {}

        /** Run the event loop until no timer, watched descriptor or deferred callback is left. */
        public static function wait(): void {}

        /**
         * Swoole's request-shutdown step: runs the loop a script needed and did not run, with Swoole 6's
         * "Event::wait() in shutdown function is deprecated" notice.
         */
        public static function rshutdown(): void {}

        /** Stop the event loop: clears every timer and watch, so wait() returns. */
        public static function exit(): void {}
    }

    /**
     * Swoole's synchronous (blocking) client for TCP, UDP and unix sockets, optionally over
     * TLS (SWOOLE_SOCK_TCP | SWOOLE_SSL): for scripts that talk to a server from PHP-FPM or
     * the CLI. Settings given to set() take effect at the next connect().
     * Not in swoole-rs: getSocket() (needs ext-sockets), the socks5/HTTP proxy settings,
     * package_length_func, DTLS.
     */
    class Client
    {
        /** recv()/send() flag: out-of-band data. */
        public const MSG_OOB = 1;
        /** recv() flag: look at the data without taking it. */
        public const MSG_PEEK = 2;
        /** recv()/send() flag: do not block. */
        public const MSG_DONTWAIT = 64;
        /** recv() flag: wait for $size bytes (or the peer's close); 1 means the same. */
        public const MSG_WAITALL = 256;
        /** shutdown(): both directions. */
        public const SHUT_RDWR = 2;
        /** shutdown(): the reading side. */
        public const SHUT_RD = 0;
        /** shutdown(): the writing side. */
        public const SHUT_WR = 1;

        /** The last error of this client (an errno, or a SWOOLE_ERROR_* code). */
        public $errCode = 0;
        /** The socket's file descriptor once connect() made one (-1 before). */
        public $sock = -1;
        /** Whether connect() reused a SWOOLE_KEEP connection. */
        public $reuse = false;
        /** How many times the SWOOLE_KEEP connection was reused. */
        public $reuseCount = 0;
        /** The $type given to the constructor. */
        public $type = 0;
        /** The $id given to the constructor (the SWOOLE_KEEP pool key). */
        public $id = null;
        /** The settings given to set(), merged. */
        public $setting = null;

        /** A client of type SWOOLE_SOCK_* (| SWOOLE_SSL, | SWOOLE_KEEP); $async must be false. */
        public function __construct(int $type, bool $async = \SWOOLE_SOCK_SYNC, string $id = '') {}
        /** Closes the connection (a SWOOLE_KEEP one is kept for reuse). */
        public function __destruct() {}
        /** Merge settings (framing, ssl_*, bind_address, ...); applied by the next connect(). */
        public function set(array $settings): bool {}
        /** Connect (a unix socket's path as $host); $timeout also bounds every later read and write. */
        public function connect(string $host, int $port = 0, float $timeout = 0.5, int $sock_flag = 0): bool {}
        /** Up to $size bytes, or one whole packet with framing; '' when the peer closed, false on error or timeout. */
        public function recv(int $size = 65536, int $flag = 0): string|false {}
        /** Send all of $data; the number of bytes sent, or false. */
        public function send(string $data, int $flag = 0): false|int {}
        /** Send a file (a part of it with $offset and $length) over a stream socket. */
        public function sendfile(string $filename, int $offset = 0, int $length = 0): bool {}
        /** Send a datagram to $ip:$port (UDP and unix datagram clients only). */
        public function sendto(string $ip, int $port, string $data): bool {}
        /** Start TLS on a connected TCP client (the ssl_* settings apply); no callback. */
        public function enableSSL(?callable $onSslReady = null): bool {}
        /** The server's certificate as PEM. */
        public function getPeerCert(): string|bool {}
        /** Check the server's certificate against ssl_cafile/ssl_capath (or the system's CAs). */
        public function verifyPeerCert(): bool {}
        /** Whether the client is connected. */
        public function isConnected(): bool {}
        /** The local address: ['port' => int, 'host' => string]. */
        public function getsockname(): array|false {}
        /** The peer's address (a datagram client: the last sender): ['port' => int, 'host' => string]. */
        public function getpeername(): array|false {}
        /** Close the connection ($force: even a SWOOLE_KEEP one). */
        public function close(bool $force = false): bool {}
        /** Shut down one or both directions (SHUT_RD, SHUT_WR, SHUT_RDWR). */
        public function shutdown(int $how): bool {}
    }

    /**
     * Coroutines on PHP's fibers: a coroutine runs until it waits (Coroutine::sleep(), a
     * Channel, a WaitGroup), and the event loop resumes it when what it waits for is
     * there. In a server, callbacks run as usual; outside one, Co\run() drives them.
     */
    class Coroutine
    {
        /** Starts $func(...$param) in a new coroutine, at once; its id (false if it could not start). */
        public static function create(callable $func, mixed ...$param): int|false {}
        /** The running coroutine's id, -1 outside any. */
        public static function getCid(): int {}
        /** Alias of getCid(). */
        public static function getuid(): int {}
        /** The id of the coroutine that created $cid (0: the running one); -1 for one started outside any. */
        public static function getPcid(int $cid = 0): int|false {}
        /** Whether coroutine $cid is alive. */
        public static function exists(int $cid): bool {}
        /** Lets other coroutines run for $seconds (at least 1 ms); only in a coroutine. */
        public static function sleep(float $seconds): bool {}
        /** Suspends the running coroutine until Coroutine::resume() names it. */
        public static function yield(): bool {}
        /** Alias of yield(). */
        public static function suspend(): bool {}
        /** Resumes a coroutine suspended by yield(). */
        public static function resume(int $cid): bool {}
        /** Runs $callback when the running coroutine ends (last registered first). */
        public static function defer(callable $callback): void {}
        /** The coroutine's own context object (0: the running one). */
        public static function getContext(int $cid = 0): ?\Swoole\Coroutine\Context {}
        /** The ids of every live coroutine. */
        public static function list(): \Swoole\Coroutine\Iterator {}
        /** Alias of list(). */
        public static function listCoroutines(): \Swoole\Coroutine\Iterator {}
        /** Scheduler figures: coroutine_num, coroutine_peak_num, coroutine_last_cid, event_num, ... */
        public static function stats(): array {}
        /** Milliseconds since coroutine $cid started (0: the running one); -1 if it is gone. */
        public static function getElapsed(int $cid = 0): int {}
        /** Swoole's scheduler options: max_coroutine limits go() (100000 by default); the others (hook_flags, stack sizes, ...) are kept for getOptions() and have no effect in swoole-rs. */
        public static function set(array $options): void {}
        /** What set() was given so far, null before. */
        public static function getOptions(): ?array {}
        /** debug_backtrace() of the running coroutine ($cid 0), or the frames where coroutine $cid waits; false (SWOOLE_ERROR_CO_NOT_EXISTS) if there is no such coroutine. */
        public static function getBackTrace(int $cid = 0, int $options = \DEBUG_BACKTRACE_PROVIDE_OBJECT, int $limit = 0): array|false {}
        /** Prints the backtrace getBackTrace() returns. */
        public static function printBackTrace(int $cid = 0, int $options = 0, int $limit = 0): void {}
        /** Ends the wait coroutine $cid is in (sleep, channel, socket, join, System call), which returns as failed with isCanceled() true; $throw_exception also throws a Coroutine\CanceledException there. False if it does not exist or does not wait on something cancelable. */
        public static function cancel(int $cid, bool $throw_exception = false): bool {}
        /** Whether the running coroutine's last wait ended by Coroutine::cancel(); only in a coroutine. */
        public static function isCanceled(): bool {}
        /** Waits until every coroutine in $cid_array has ended, at most $timeout seconds (negative: no limit); false on timeout, cancel, or when none of them runs. */
        public static function join(array $cid_array, float $timeout = -1): bool {}
        // Coroutine\System's calls, also on Coroutine (as in Swoole).
        /** The first address of $domain_name ($type: AF_INET (2) or AF_INET6), waiting up to $timeout seconds (negative: no limit); false if it does not resolve. Only in a coroutine. */
        public static function gethostbyname(string $domain_name, int $type = 2, float $timeout = -1): string|false {}
        /** The first address of $domain_name (resolved with the system resolver), waiting up to $timeout seconds; $type: AF_INET (2) or AF_INET6; false if it does not resolve. */
        public static function dnsLookup(string $domain_name, float $timeout = 60, int $type = 2): string|false {}
        /** Every address of $domain in $family (AF_INET (2) or AF_INET6) as a list of strings, waiting up to $timeout seconds; false if it does not resolve ($socktype, $protocol, $service are accepted). */
        public static function getaddrinfo(string $domain, int $family = 2, int $socktype = 1, int $protocol = \STREAM_IPPROTO_TCP, ?string $service = null, float $timeout = -1): array|bool {}
        /** Runs $command with /bin/sh: ['code' => int, 'signal' => int, 'output' => string] (stdout, with stderr too when $get_error_stream); false if it cannot start. */
        public static function exec(string $command, bool $get_error_stream = false): array|false {}
        /** The whole file's contents; false (logged) if it cannot be read. Only in a coroutine. */
        public static function readFile(string $filename, int $flag = 0): string|false {}
        /** Writes $fileContent to the file (created, truncated; appended with FILE_APPEND in $flags); the number of bytes written, or false (logged). Only in a coroutine. */
        public static function writeFile(string $filename, string $fileContent, int $flags = 0): int|false {}
        /** statvfs(3) of $path: bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax. */
        public static function statvfs(string $path): array {}
        /** Waits up to $timeout seconds (negative: no limit) for any child process to end: ['pid' => int, 'code' => int, 'signal' => int]; false on timeout or with no child. */
        public static function wait(float $timeout = -1): array|false {}
        /** Waits up to $timeout seconds (negative: no limit) for child $pid to end: ['pid' => int, 'code' => int, 'signal' => int]; false on timeout or if it is not a child. */
        public static function waitPid(int $pid, float $timeout = -1): array|false {}
        /** Waits up to $timeout seconds (negative: no limit) for one of $signals (a number or an array of them): its number, or false (SWOOLE_ERROR_CO_TIMEDOUT; a warning while Process::signal() callbacks are set, or for SIGCHLD and invalid numbers). Only in a coroutine. */
        public static function waitSignal(array|int $signals, float $timeout = -1): int|false {}
        /** Waits up to $timeout seconds (negative: no limit) until a stream, socket or fd is readable (SWOOLE_EVENT_READ) or writable (SWOOLE_EVENT_WRITE); which one it is, or false. */
        public static function waitEvent(mixed $socket, int $events = \SWOOLE_EVENT_READ, float $timeout = -1): int|false {}
        /** @internal swoole-rs: the body of its pooled coroutine fibers; returns at once when called otherwise. */
        public static function __main(): void {}
    }

    /** Error thrown by Swoole's fatal errors (e.g. a coroutine API outside a coroutine). */
    class Error extends \Error
    {
    }

    /**
     * Swoole's runtime hooks switch. swoole-rs has coroutines but no runtime hooks yet:
     * hooks can only be off (flags 0, always what getHookFlags() returns); asking for any
     * hook warns and returns false, and PHP's functions stay blocking (use Coroutine\Client,
     * Coroutine\Socket, Coroutine\System and Coroutine\Http\Client in coroutines).
     */
    class Runtime
    {
        /**
         * Turns runtime hooks on ($flags, SWOOLE_HOOK_*; the ones not named go off): PHP's socket
         * transports, sleep() and friends, stream_select(), proc_open(), stdio and regular files
         * then wait in the coroutine instead of the worker. Co\run() turns them all on unless
         * hook flags were set.
         */
        public static function enableCoroutine(int $flags = \SWOOLE_HOOK_ALL): bool {}
        /** The hook flags in effect, as given (a 32-bit unsigned number). */
        public static function getHookFlags(): int {}
        /** As enableCoroutine($flags). */
        public static function setHookFlags(int $flags): bool {}
    }

    /**
     * A 32-bit unsigned counter in shared memory: made before start(), one counter for
     * every worker, task worker and the manager. Values wrap around.
     */
    class Atomic
    {
        /** A new counter starting at $value (cut to 32 bits). */
        public function __construct(int $value = 0) {}
        /** Adds $add_value; returns the new value. */
        public function add(int $add_value = 1): int {}
        /** Subtracts $sub_value; returns the new value. */
        public function sub(int $sub_value = 1): int {}
        /** The current value. */
        public function get(): int {}
        /** Sets the value. */
        public function set(int $value): void {}
        /** Sets $new_value if the value is $cmp_value. */
        public function cmpset(int $cmp_value, int $new_value): bool {}
        /** Waits (at most $timeout seconds; negative: forever) until wakeup() sets the value to 1, then takes it back to 0. */
        public function wait(float $timeout = 1.0): bool {}
        /** Sets the value from 0 to 1 and wakes up to $count waiting processes. */
        public function wakeup(int $count = 1): bool {}
    }

    /**
     * A lock in shared memory: made before start() (or a fork), one lock for every process.
     * The mutex is robust: when its holder dies, the next locker gets it; only the holder can
     * unlock it.
     */
    class Lock
    {
        /** SWOOLE_MUTEX. */
        const MUTEX = 3;
        /** SWOOLE_RWLOCK. */
        const RWLOCK = 1;
        /** SWOOLE_SPINLOCK. */
        const SPINLOCK = 5;
        /** The errno of the last failed call (EBUSY, ETIMEDOUT, EPERM...). */
        public $errCode = 0;
        /** A lock of $type: SWOOLE_MUTEX, SWOOLE_RWLOCK or SWOOLE_SPINLOCK. */
        public function __construct(int $type = \SWOOLE_MUTEX) {}
        /** Locks: LOCK_EX, LOCK_SH (readers of an RWLOCK), | LOCK_NB not to wait; a positive $timeout (seconds) limits the wait. */
        public function lock(int $operation = \LOCK_EX, float $timeout = -1): bool {}
        /** Unlocks. */
        public function unlock(): bool {}
        /** Swoole 5: lock(LOCK_EX | LOCK_NB). */
        public function trylock(): bool {}
        /** Swoole 5: lock(LOCK_SH). */
        public function lock_read(): bool {}
        /** Swoole 5: lock(LOCK_SH | LOCK_NB). */
        public function trylock_read(): bool {}
        /** Swoole 5: lock(LOCK_EX, $timeout). */
        public function lockwait(float $timeout = 1.0): bool {}
    }

    /** Exception thrown by the extension; getCode() is a Swoole error code or errno (see swoole_strerror()). */
    class Exception extends \Exception
    {
    }

    /**
     * What exit() throws inside a coroutine or a started server (PHP before 8.4), instead of
     * ending the process: a script may catch it; uncaught it is a fatal error (a server worker
     * then exits with 255 and is replaced).
     */
    class ExitException extends \Swoole\Exception
    {
        /** getFlags(). */
        private $flags = 0;
        /** getStatus(). */
        private $status = 0;
        /** Where exit() was called: SWOOLE_EXIT_IN_COROUTINE | SWOOLE_EXIT_IN_SERVER. */
        public function getFlags(): int {}
        /** The value exit() was given (null for a bare exit). */
        public function getStatus(): mixed {}
    }
}

namespace Swoole\Process {
    /**
     * A manager process running $worker_num workers of the script's own, respawned when they
     * end. start() makes this process the manager until SIGTERM/SIGINT or a worker's shutdown().
     * A worker runs onWorkerStart($pool, $workerId) (in a coroutine with $enable_coroutine), then,
     * with SWOOLE_IPC_UNIXSOCK and onMessage, serves sendMessage()'s messages until SIGTERM, then
     * onWorkerStop. With SWOOLE_IPC_SOCKET the workers accept on listen()'s port, one message
     * per connection (a 4-byte big-endian length, then the bytes), answered with write().
     * With SWOOLE_IPC_MSGQUEUE they take the messages of the System V queue of $msgqueue_key.
     */
    class Pool
    {
        /** The manager's pid (once started). */
        public $master_pid = -1;
        /** In a worker: its pid. */
        public $workerPid = -1;
        /** In a worker: its id (0 to $worker_num - 1). */
        public $workerId = -1;
        /** Not filled in swoole-rs. */
        public $workers = null;
        /** In a worker: whether it runs. */
        public $workerRunning = false;
        /** In a worker: whether it runs. */
        public $running = false;
        /** $ipc_type: SWOOLE_IPC_NONE, SWOOLE_IPC_UNIXSOCK, SWOOLE_IPC_MSGQUEUE or SWOOLE_IPC_SOCKET. */
        public function __construct(int $worker_num, int $ipc_type = \SWOOLE_IPC_NONE, int $msgqueue_key = 0, bool $enable_coroutine = false) {}
        /** ['enable_coroutine' => bool]. */
        public function set(array $settings): void {}
        /** $name: WorkerStart, WorkerStop, Message, Start (in the manager), Shutdown (in the manager). */
        public function on(string $name, callable $callback): bool {}
        /** A Swoole\Process for worker $work_id (-1: this worker), with its pid and id. */
        public function getProcess(int $work_id = -1): \Swoole\Process|false {}
        /** SWOOLE_IPC_SOCKET: the TCP port the workers accept on (before start()). */
        public function listen(string $host, int $port = 0, int $backlog = 2048): bool {}
        /** SWOOLE_IPC_SOCKET, in onMessage: adds $data to the connection's answer. */
        public function write(string $data): bool {}
        /** Sends $data to worker $dst_worker_id's onMessage (SWOOLE_IPC_UNIXSOCK). */
        public function sendMessage(string $data, int $dst_worker_id): bool {}
        /** In a worker: leaves the pool (the manager starts another in its place); this process goes on by itself. */
        public function detach(): bool {}
        /** Runs the pool (this process is its manager) until it shuts down. */
        public function start(): null|false {}
        /** In a worker: stops it (onWorkerStop runs; the manager starts another). */
        public function stop(): void {}
        /** Stops the whole pool (SIGTERM to the manager). */
        public function shutdown(): bool {}
    }
}

namespace Swoole {
    /**
     * A child process running a PHP callable, with a socket pair between parent and child.
     * The child runs the callable (in a coroutine with $enable_coroutine), then the event loop
     * while timers or coroutines are left, and ends; it never returns into the parent's script
     * and, unlike Swoole's, runs none of the parent script's destructors or shutdown functions.
     */
    class Process
    {
        /** msgrcv()'s IPC_NOWAIT for pop(). */
        const IPC_NOWAIT = 256;
        /** close(): the parent's end of the pipe. */
        const PIPE_MASTER = 1;
        /** close(): the child's end of the pipe. */
        const PIPE_WORKER = 2;
        /** close(): shut reading down. */
        const PIPE_READ = 3;
        /** close(): shut writing down. */
        const PIPE_WRITE = 4;
        /** No pipe. */
        const PIPE_TYPE_NONE = 0;
        /** A byte-stream pipe. */
        const PIPE_TYPE_STREAM = 1;
        /** A datagram pipe: each write() is one read(). */
        const PIPE_TYPE_DGRAM = 2;

        /** This process's end of the pipe (a descriptor), null without one. */
        public $pipe = null;
        /** The message queue's id (not in swoole-rs). */
        public $msgQueueId = null;
        /** The message queue's key (not in swoole-rs). */
        public $msgQueueKey = null;
        /** The child's pid once started (in the child: its own). */
        public $pid = null;
        /** The worker id of a process of a pool. */
        public $id = null;
        /** The callable the child runs. */
        private $callback = null;

        /** $callback(Process $process) runs in the child; with $redirect_stdin_and_stdout the child's stdin and stdout are the pipe (a stream); $pipe_type: 0 none, 1 SOCK_STREAM, 2 SOCK_DGRAM. */
        public function __construct(callable $callback, bool $redirect_stdin_and_stdout = false, int $pipe_type = 2, bool $enable_coroutine = false) {}
        /** Closes the pipe. */
        public function __destruct() {}
        /** A child that ended: ['pid' => int, 'code' => int, 'signal' => int]; false when none did (or none is left). */
        public static function wait(bool $blocking = true): array|false {}
        /**
         * Calls $callback($signo) on the event loop when this process gets $signal_no (the loop runs
         * while a callback is registered); null removes it, SIG_IGN ignores the signal.
         */
        public static function signal(int $signal_no, ?callable $callback = null): bool {}
        /** Sends SIGALRM ($type ITIMER_REAL; SIGVTALRM, SIGPROF for the others) every $usec microseconds, for a signal() callback; 0 or less stops it. */
        public static function alarm(int $usec, int $type = 0): bool {}
        /** Sends $signal_no to $pid (0 checks it exists); false with swoole_errno() set when it fails. */
        public static function kill(int $pid, int $signal_no = \SIGTERM): bool {}
        /** daemon(3): goes on in the background (the calling process ends). */
        public static function daemon(bool $nochdir = true, bool $noclose = true, array $pipes = []): bool {}
        /** setpriority(2). */
        public function setPriority(int $which, int $priority, ?int $who = null): bool {}
        /** getpriority(2); false on failure. */
        public function getPriority(int $which, ?int $who = null): int|false {}
        /** Lets this process run only on the CPUs listed. */
        public static function setAffinity(array $cpu_settings): bool {}
        /** The CPUs this process may run on. */
        public static function getAffinity(): array {}
        /** Settings: enable_coroutine. */
        public function set(array $settings): void {}
        /** Read and write timeouts of the pipe, in seconds. */
        public function setTimeout(float $seconds): bool {}
        /** Whether read() waits for data (false: it returns false when there is none). */
        public function setBlocking(bool $blocking): bool {}
        /** Opens the System V message queue of $key (0: one for this script's file), shared with the processes forked after: $mode SWOOLE_MSGQUEUE_BALANCE (any message to any reader) or SWOOLE_MSGQUEUE_ORIENT (one type per process), | Process::IPC_NOWAIT not to wait; $capacity in bytes. */
        public function useQueue(int $key = 0, int $mode = 2, int $capacity = -1): bool {}
        /** ['queue_num' => messages, 'queue_bytes' => bytes] of the queue. */
        public function statQueue(): array|false {}
        /** Removes the queue, for every process. */
        public function freeQueue(): bool {}
        /** Forks: the parent gets the child's pid; false if it could not (a warning), or if it runs already. */
        public function start(): bool|int {}
        /** Writes $data to the pipe: the bytes written, or false. */
        public function write(string $data): false|int {}
        /** Closes the pipe (0), one end (PIPE_MASTER, PIPE_WORKER) or one direction (PIPE_READ, PIPE_WRITE). */
        public function close(int $which = 0): bool {}
        /** Up to $size bytes (one datagram) from the pipe; false when there are none (non-blocking) or on failure. */
        public function read(int $size = 8192): false|string {}
        /** Sends $data (1 to 65535 bytes) to the queue. */
        public function push(string $data): bool {}
        /** Receives a message of at most $size bytes from the queue (false when none and it does not wait). */
        public function pop(int $size = 65536): string|false {}
        /** Ends this process with $exit_code (PHP's output flushed). */
        public function exit(int $exit_code = 0): void {}
        /** execv(2) of $exec_file with $args; returns only on failure (false, a warning). */
        public function exec(string $exec_file, array $args): bool {}
        /** The pipe as a Coroutine\Socket (a duplicate of the descriptor). */
        public function exportSocket(): \Swoole\Coroutine\Socket|false {}
        /** Sets the process name (as `ps` shows it). */
        public function name(string $process_name): bool {}
    }
}

namespace Swoole\Client {
    /** Swoole\Client's exception class (declared as in Swoole; swoole-rs does not throw it). */
    class Exception extends \Swoole\Exception
    {
    }
}

namespace Swoole\Timer {
    /** What \Swoole\Timer::list() returns: an \ArrayIterator over the pending timers' ids. */
    class Iterator extends \ArrayIterator
    {
    }
}

namespace Swoole {
    /**
     * The option and event names of Swoole's PHP library, for $server->set([...]) and $server->on():
     * Constant::OPTION_WORKER_NUM is 'worker_num', Constant::EVENT_REQUEST is 'request'.
     */
    class Constant
    {
        /** Event name 'start'. */
        public const EVENT_START = 'start';
        /** Event name 'beforeShutdown'. */
        public const EVENT_BEFORE_SHUTDOWN = 'beforeShutdown';
        /** Event name 'shutdown'. */
        public const EVENT_SHUTDOWN = 'shutdown';
        /** Event name 'workerStart'. */
        public const EVENT_WORKER_START = 'workerStart';
        /** Event name 'workerStop'. */
        public const EVENT_WORKER_STOP = 'workerStop';
        /** Event name 'beforeReload'. */
        public const EVENT_BEFORE_RELOAD = 'beforeReload';
        /** Event name 'afterReload'. */
        public const EVENT_AFTER_RELOAD = 'afterReload';
        /** Event name 'task'. */
        public const EVENT_TASK = 'task';
        /** Event name 'finish'. */
        public const EVENT_FINISH = 'finish';
        /** Event name 'workerExit'. */
        public const EVENT_WORKER_EXIT = 'workerExit';
        /** Event name 'workerError'. */
        public const EVENT_WORKER_ERROR = 'workerError';
        /** Event name 'managerStart'. */
        public const EVENT_MANAGER_START = 'managerStart';
        /** Event name 'managerStop'. */
        public const EVENT_MANAGER_STOP = 'managerStop';
        /** Event name 'pipeMessage'. */
        public const EVENT_PIPE_MESSAGE = 'pipeMessage';
        /** Event name 'connect'. */
        public const EVENT_CONNECT = 'connect';
        /** Event name 'receive'. */
        public const EVENT_RECEIVE = 'receive';
        /** Event name 'close'. */
        public const EVENT_CLOSE = 'close';
        /** Event name 'packet'. */
        public const EVENT_PACKET = 'packet';
        /** Event name 'bufferFull'. */
        public const EVENT_BUFFER_FULL = 'bufferFull';
        /** Event name 'bufferEmpty'. */
        public const EVENT_BUFFER_EMPTY = 'bufferEmpty';
        /** Event name 'request'. */
        public const EVENT_REQUEST = 'request';
        /** Event name 'handshake'. */
        public const EVENT_HANDSHAKE = 'handshake';
        /** Event name 'beforeHandshakeResponse'. */
        public const EVENT_BEFORE_HANDSHAKE_RESPONSE = 'beforeHandshakeResponse';
        /** Event name 'open'. */
        public const EVENT_OPEN = 'open';
        /** Event name 'message'. */
        public const EVENT_MESSAGE = 'message';
        /** Event name 'disconnect'. */
        public const EVENT_DISCONNECT = 'disconnect';
        /** Event name 'error'. */
        public const EVENT_ERROR = 'error';
        /** Option name 'debug_mode'. */
        public const OPTION_DEBUG_MODE = 'debug_mode';
        /** Option name 'trace_flags'. */
        public const OPTION_TRACE_FLAGS = 'trace_flags';
        /** Option name 'log_file'. */
        public const OPTION_LOG_FILE = 'log_file';
        /** Option name 'log_level'. */
        public const OPTION_LOG_LEVEL = 'log_level';
        /** Option name 'log_date_format'. */
        public const OPTION_LOG_DATE_FORMAT = 'log_date_format';
        /** Option name 'log_date_with_microseconds'. */
        public const OPTION_LOG_DATE_WITH_MICROSECONDS = 'log_date_with_microseconds';
        /** Option name 'log_rotation'. */
        public const OPTION_LOG_ROTATION = 'log_rotation';
        /** Option name 'display_errors'. */
        public const OPTION_DISPLAY_ERRORS = 'display_errors';
        /** Option name 'dns_server'. */
        public const OPTION_DNS_SERVER = 'dns_server';
        /** Option name 'socket_dns_timeout'. */
        public const OPTION_SOCKET_DNS_TIMEOUT = 'socket_dns_timeout';
        /** Option name 'socket_connect_timeout'. */
        public const OPTION_SOCKET_CONNECT_TIMEOUT = 'socket_connect_timeout';
        /** Option name 'socket_write_timeout'. */
        public const OPTION_SOCKET_WRITE_TIMEOUT = 'socket_write_timeout';
        /** Option name 'socket_send_timeout'. */
        public const OPTION_SOCKET_SEND_TIMEOUT = 'socket_send_timeout';
        /** Option name 'socket_read_timeout'. */
        public const OPTION_SOCKET_READ_TIMEOUT = 'socket_read_timeout';
        /** Option name 'socket_recv_timeout'. */
        public const OPTION_SOCKET_RECV_TIMEOUT = 'socket_recv_timeout';
        /** Option name 'socket_timeout'. */
        public const OPTION_SOCKET_TIMEOUT = 'socket_timeout';
        /** Option name 'socket_buffer_size'. */
        public const OPTION_SOCKET_BUFFER_SIZE = 'socket_buffer_size';
        /** Option name 'http2_header_table_size'. */
        public const OPTION_HTTP2_HEADER_TABLE_SIZE = 'http2_header_table_size';
        /** Option name 'http2_enable_push'. */
        public const OPTION_HTTP2_ENABLE_PUSH = 'http2_enable_push';
        /** Option name 'http2_max_concurrent_streams'. */
        public const OPTION_HTTP2_MAX_CONCURRENT_STREAMS = 'http2_max_concurrent_streams';
        /** Option name 'http2_init_window_size'. */
        public const OPTION_HTTP2_INIT_WINDOW_SIZE = 'http2_init_window_size';
        /** Option name 'http2_max_frame_size'. */
        public const OPTION_HTTP2_MAX_FRAME_SIZE = 'http2_max_frame_size';
        /** Option name 'http2_max_header_list_size'. */
        public const OPTION_HTTP2_MAX_HEADER_LIST_SIZE = 'http2_max_header_list_size';
        /** Option name 'aio_core_worker_num'. */
        public const OPTION_AIO_CORE_WORKER_NUM = 'aio_core_worker_num';
        /** Option name 'aio_worker_num'. */
        public const OPTION_AIO_WORKER_NUM = 'aio_worker_num';
        /** Option name 'aio_max_wait_time'. */
        public const OPTION_AIO_MAX_WAIT_TIME = 'aio_max_wait_time';
        /** Option name 'aio_max_idle_time'. */
        public const OPTION_AIO_MAX_IDLE_TIME = 'aio_max_idle_time';
        /** Option name 'iouring_entries'. */
        public const OPTION_IOURING_ENTRIES = 'iouring_entries';
        /** Option name 'iouring_workers'. */
        public const OPTION_IOURING_WORKERS = 'iouring_workers';
        /** Option name 'iouring_flag'. */
        public const OPTION_IOURING_FLAG = 'iouring_flag';
        /** Option name 'enable_signalfd'. */
        public const OPTION_ENABLE_SIGNALFD = 'enable_signalfd';
        /** Option name 'enable_kqueue'. */
        public const OPTION_ENABLE_KQUEUE = 'enable_kqueue';
        /** Option name 'wait_signal'. */
        public const OPTION_WAIT_SIGNAL = 'wait_signal';
        /** Option name 'dns_cache_refresh_time'. */
        public const OPTION_DNS_CACHE_REFRESH_TIME = 'dns_cache_refresh_time';
        /** Option name 'thread_num'. */
        public const OPTION_THREAD_NUM = 'thread_num';
        /** Option name 'min_thread_num'. */
        public const OPTION_MIN_THREAD_NUM = 'min_thread_num';
        /** Option name 'max_thread_num'. */
        public const OPTION_MAX_THREAD_NUM = 'max_thread_num';
        /** Option name 'socket_dontwait'. */
        public const OPTION_SOCKET_DONTWAIT = 'socket_dontwait';
        /** Option name 'dns_lookup_random'. */
        public const OPTION_DNS_LOOKUP_RANDOM = 'dns_lookup_random';
        /** Option name 'use_async_resolver'. */
        public const OPTION_USE_ASYNC_RESOLVER = 'use_async_resolver';
        /** Option name 'enable_coroutine'. */
        public const OPTION_ENABLE_COROUTINE = 'enable_coroutine';
        /** Option name 'ssl_protocols'. */
        public const OPTION_SSL_PROTOCOLS = 'ssl_protocols';
        /** Option name 'ssl_compress'. */
        public const OPTION_SSL_COMPRESS = 'ssl_compress';
        /** Option name 'ssl_cert_file'. */
        public const OPTION_SSL_CERT_FILE = 'ssl_cert_file';
        /** Option name 'ssl_key_file'. */
        public const OPTION_SSL_KEY_FILE = 'ssl_key_file';
        /** Option name 'ssl_passphrase'. */
        public const OPTION_SSL_PASSPHRASE = 'ssl_passphrase';
        /** Option name 'ssl_host_name'. */
        public const OPTION_SSL_HOST_NAME = 'ssl_host_name';
        /** Option name 'ssl_verify_peer'. */
        public const OPTION_SSL_VERIFY_PEER = 'ssl_verify_peer';
        /** Option name 'ssl_allow_self_signed'. */
        public const OPTION_SSL_ALLOW_SELF_SIGNED = 'ssl_allow_self_signed';
        /** Option name 'ssl_cafile'. */
        public const OPTION_SSL_CAFILE = 'ssl_cafile';
        /** Option name 'ssl_capath'. */
        public const OPTION_SSL_CAPATH = 'ssl_capath';
        /** Option name 'ssl_verify_depth'. */
        public const OPTION_SSL_VERIFY_DEPTH = 'ssl_verify_depth';
        /** Option name 'ssl_ciphers'. */
        public const OPTION_SSL_CIPHERS = 'ssl_ciphers';
        /** Option name 'open_eof_check'. */
        public const OPTION_OPEN_EOF_CHECK = 'open_eof_check';
        /** Option name 'open_eof_split'. */
        public const OPTION_OPEN_EOF_SPLIT = 'open_eof_split';
        /** Option name 'package_eof'. */
        public const OPTION_PACKAGE_EOF = 'package_eof';
        /** Option name 'open_mqtt_protocol'. */
        public const OPTION_OPEN_MQTT_PROTOCOL = 'open_mqtt_protocol';
        /** Option name 'open_length_check'. */
        public const OPTION_OPEN_LENGTH_CHECK = 'open_length_check';
        /** Option name 'package_length_type'. */
        public const OPTION_PACKAGE_LENGTH_TYPE = 'package_length_type';
        /** Option name 'package_length_offset'. */
        public const OPTION_PACKAGE_LENGTH_OFFSET = 'package_length_offset';
        /** Option name 'package_body_offset'. */
        public const OPTION_PACKAGE_BODY_OFFSET = 'package_body_offset';
        /** Option name 'package_length_func'. */
        public const OPTION_PACKAGE_LENGTH_FUNC = 'package_length_func';
        /** Option name 'package_max_length'. */
        public const OPTION_PACKAGE_MAX_LENGTH = 'package_max_length';
        /** Option name 'buffer_high_watermark'. */
        public const OPTION_BUFFER_HIGH_WATERMARK = 'buffer_high_watermark';
        /** Option name 'buffer_low_watermark'. */
        public const OPTION_BUFFER_LOW_WATERMARK = 'buffer_low_watermark';
        /** Option name 'bind_port'. */
        public const OPTION_BIND_PORT = 'bind_port';
        /** Option name 'bind_address'. */
        public const OPTION_BIND_ADDRESS = 'bind_address';
        /** Option name 'open_tcp_nodelay'. */
        public const OPTION_OPEN_TCP_NODELAY = 'open_tcp_nodelay';
        /** Option name 'socks5_host'. */
        public const OPTION_SOCKS5_HOST = 'socks5_host';
        /** Option name 'socks5_port'. */
        public const OPTION_SOCKS5_PORT = 'socks5_port';
        /** Option name 'socks5_username'. */
        public const OPTION_SOCKS5_USERNAME = 'socks5_username';
        /** Option name 'socks5_password'. */
        public const OPTION_SOCKS5_PASSWORD = 'socks5_password';
        /** Option name 'http_proxy_host'. */
        public const OPTION_HTTP_PROXY_HOST = 'http_proxy_host';
        /** Option name 'http_proxy_port'. */
        public const OPTION_HTTP_PROXY_PORT = 'http_proxy_port';
        /** Option name 'http_proxy_username'. */
        public const OPTION_HTTP_PROXY_USERNAME = 'http_proxy_username';
        /** Option name 'http_proxy_user'. */
        public const OPTION_HTTP_PROXY_USER = 'http_proxy_user';
        /** Option name 'http_proxy_password'. */
        public const OPTION_HTTP_PROXY_PASSWORD = 'http_proxy_password';
        /** Option name 'max_coro_num'. */
        public const OPTION_MAX_CORO_NUM = 'max_coro_num';
        /** Option name 'max_coroutine'. */
        public const OPTION_MAX_COROUTINE = 'max_coroutine';
        /** Option name 'enable_deadlock_check'. */
        public const OPTION_ENABLE_DEADLOCK_CHECK = 'enable_deadlock_check';
        /** Option name 'hook_flags'. */
        public const OPTION_HOOK_FLAGS = 'hook_flags';
        /** Option name 'enable_preemptive_scheduler'. */
        public const OPTION_ENABLE_PREEMPTIVE_SCHEDULER = 'enable_preemptive_scheduler';
        /** Option name 'c_stack_size'. */
        public const OPTION_C_STACK_SIZE = 'c_stack_size';
        /** Option name 'stack_size'. */
        public const OPTION_STACK_SIZE = 'stack_size';
        /** Option name 'name_resolver'. */
        public const OPTION_NAME_RESOLVER = 'name_resolver';
        /** Option name 'dns_cache_expire'. */
        public const OPTION_DNS_CACHE_EXPIRE = 'dns_cache_expire';
        /** Option name 'dns_cache_capacity'. */
        public const OPTION_DNS_CACHE_CAPACITY = 'dns_cache_capacity';
        /** Option name 'connect_timeout'. */
        public const OPTION_CONNECT_TIMEOUT = 'connect_timeout';
        /** Option name 'timeout'. */
        public const OPTION_TIMEOUT = 'timeout';
        /** Option name 'max_retries'. */
        public const OPTION_MAX_RETRIES = 'max_retries';
        /** Option name 'defer'. */
        public const OPTION_DEFER = 'defer';
        /** Option name 'lowercase_header'. */
        public const OPTION_LOWERCASE_HEADER = 'lowercase_header';
        /** Option name 'keep_alive'. */
        public const OPTION_KEEP_ALIVE = 'keep_alive';
        /** Option name 'websocket_mask'. */
        public const OPTION_WEBSOCKET_MASK = 'websocket_mask';
        /** Option name 'http_compression'. */
        public const OPTION_HTTP_COMPRESSION = 'http_compression';
        /** Option name 'body_decompression'. */
        public const OPTION_BODY_DECOMPRESSION = 'body_decompression';
        /** Option name 'websocket_compression'. */
        public const OPTION_WEBSOCKET_COMPRESSION = 'websocket_compression';
        /** Option name 'write_func'. */
        public const OPTION_WRITE_FUNC = 'write_func';
        /** Option name 'http_parse_cookie'. */
        public const OPTION_HTTP_PARSE_COOKIE = 'http_parse_cookie';
        /** Option name 'http_parse_post'. */
        public const OPTION_HTTP_PARSE_POST = 'http_parse_post';
        /** Option name 'http_parse_files'. */
        public const OPTION_HTTP_PARSE_FILES = 'http_parse_files';
        /** Option name 'http_compression_level'. */
        public const OPTION_HTTP_COMPRESSION_LEVEL = 'http_compression_level';
        /** Option name 'compression_level'. */
        public const OPTION_COMPRESSION_LEVEL = 'compression_level';
        /** Option name 'http_gzip_level'. */
        public const OPTION_HTTP_GZIP_LEVEL = 'http_gzip_level';
        /** Option name 'http_compression_min_length'. */
        public const OPTION_HTTP_COMPRESSION_MIN_LENGTH = 'http_compression_min_length';
        /** Option name 'compression_min_length'. */
        public const OPTION_COMPRESSION_MIN_LENGTH = 'compression_min_length';
        /** Option name 'http_compression_types'. */
        public const OPTION_HTTP_COMPRESSION_TYPES = 'http_compression_types';
        /** Option name 'compression_types'. */
        public const OPTION_COMPRESSION_TYPES = 'compression_types';
        /** Option name 'upload_tmp_dir'. */
        public const OPTION_UPLOAD_TMP_DIR = 'upload_tmp_dir';
        /** Option name 'enable_message_bus'. */
        public const OPTION_ENABLE_MESSAGE_BUS = 'enable_message_bus';
        /** Option name 'max_package_size'. */
        public const OPTION_MAX_PACKAGE_SIZE = 'max_package_size';
        /** Option name 'ssl'. */
        public const OPTION_SSL = 'ssl';
        /** Option name 'chroot'. */
        public const OPTION_CHROOT = 'chroot';
        /** Option name 'user'. */
        public const OPTION_USER = 'user';
        /** Option name 'group'. */
        public const OPTION_GROUP = 'group';
        /** Option name 'daemonize'. */
        public const OPTION_DAEMONIZE = 'daemonize';
        /** Option name 'pid_file'. */
        public const OPTION_PID_FILE = 'pid_file';
        /** Option name 'reactor_num'. */
        public const OPTION_REACTOR_NUM = 'reactor_num';
        /** Option name 'single_thread'. */
        public const OPTION_SINGLE_THREAD = 'single_thread';
        /** Option name 'worker_num'. */
        public const OPTION_WORKER_NUM = 'worker_num';
        /** Option name 'max_wait_time'. */
        public const OPTION_MAX_WAIT_TIME = 'max_wait_time';
        /** Option name 'max_queued_bytes'. */
        public const OPTION_MAX_QUEUED_BYTES = 'max_queued_bytes';
        /** Option name 'max_concurrency'. */
        public const OPTION_MAX_CONCURRENCY = 'max_concurrency';
        /** Option name 'worker_max_concurrency'. */
        public const OPTION_WORKER_MAX_CONCURRENCY = 'worker_max_concurrency';
        /** Option name 'send_timeout'. */
        public const OPTION_SEND_TIMEOUT = 'send_timeout';
        /** Option name 'dispatch_mode'. */
        public const OPTION_DISPATCH_MODE = 'dispatch_mode';
        /** Option name 'send_yield'. */
        public const OPTION_SEND_YIELD = 'send_yield';
        /** Option name 'dispatch_func'. */
        public const OPTION_DISPATCH_FUNC = 'dispatch_func';
        /** Option name 'discard_timeout_request'. */
        public const OPTION_DISCARD_TIMEOUT_REQUEST = 'discard_timeout_request';
        /** Option name 'enable_unsafe_event'. */
        public const OPTION_ENABLE_UNSAFE_EVENT = 'enable_unsafe_event';
        /** Option name 'enable_delay_receive'. */
        public const OPTION_ENABLE_DELAY_RECEIVE = 'enable_delay_receive';
        /** Option name 'enable_reuse_port'. */
        public const OPTION_ENABLE_REUSE_PORT = 'enable_reuse_port';
        /** Option name 'task_use_object'. */
        public const OPTION_TASK_USE_OBJECT = 'task_use_object';
        /** Option name 'task_object'. */
        public const OPTION_TASK_OBJECT = 'task_object';
        /** Option name 'event_object'. */
        public const OPTION_EVENT_OBJECT = 'event_object';
        /** Option name 'task_enable_coroutine'. */
        public const OPTION_TASK_ENABLE_COROUTINE = 'task_enable_coroutine';
        /** Option name 'task_worker_num'. */
        public const OPTION_TASK_WORKER_NUM = 'task_worker_num';
        /** Option name 'task_ipc_mode'. */
        public const OPTION_TASK_IPC_MODE = 'task_ipc_mode';
        /** Option name 'task_tmpdir'. */
        public const OPTION_TASK_TMPDIR = 'task_tmpdir';
        /** Option name 'task_max_request'. */
        public const OPTION_TASK_MAX_REQUEST = 'task_max_request';
        /** Option name 'task_max_request_grace'. */
        public const OPTION_TASK_MAX_REQUEST_GRACE = 'task_max_request_grace';
        /** Option name 'max_connection'. */
        public const OPTION_MAX_CONNECTION = 'max_connection';
        /** Option name 'max_conn'. */
        public const OPTION_MAX_CONN = 'max_conn';
        /** Option name 'start_session_id'. */
        public const OPTION_START_SESSION_ID = 'start_session_id';
        /** Option name 'heartbeat_check_interval'. */
        public const OPTION_HEARTBEAT_CHECK_INTERVAL = 'heartbeat_check_interval';
        /** Option name 'heartbeat_idle_time'. */
        public const OPTION_HEARTBEAT_IDLE_TIME = 'heartbeat_idle_time';
        /** Option name 'max_request'. */
        public const OPTION_MAX_REQUEST = 'max_request';
        /** Option name 'max_request_grace'. */
        public const OPTION_MAX_REQUEST_GRACE = 'max_request_grace';
        /** Option name 'reload_async'. */
        public const OPTION_RELOAD_ASYNC = 'reload_async';
        /** Option name 'open_cpu_affinity'. */
        public const OPTION_OPEN_CPU_AFFINITY = 'open_cpu_affinity';
        /** Option name 'cpu_affinity_ignore'. */
        public const OPTION_CPU_AFFINITY_IGNORE = 'cpu_affinity_ignore';
        /** Option name 'upload_max_filesize'. */
        public const OPTION_UPLOAD_MAX_FILESIZE = 'upload_max_filesize';
        /** Option name 'enable_static_handler'. */
        public const OPTION_ENABLE_STATIC_HANDLER = 'enable_static_handler';
        /** Option name 'document_root'. */
        public const OPTION_DOCUMENT_ROOT = 'document_root';
        /** Option name 'http_autoindex'. */
        public const OPTION_HTTP_AUTOINDEX = 'http_autoindex';
        /** Option name 'http_index_files'. */
        public const OPTION_HTTP_INDEX_FILES = 'http_index_files';
        /** Option name 'static_handler_locations'. */
        public const OPTION_STATIC_HANDLER_LOCATIONS = 'static_handler_locations';
        /** Option name 'url_rewrite_rules'. */
        public const OPTION_URL_REWRITE_RULES = 'url_rewrite_rules';
        /** Option name 'input_buffer_size'. */
        public const OPTION_INPUT_BUFFER_SIZE = 'input_buffer_size';
        /** Option name 'buffer_input_size'. */
        public const OPTION_BUFFER_INPUT_SIZE = 'buffer_input_size';
        /** Option name 'output_buffer_size'. */
        public const OPTION_OUTPUT_BUFFER_SIZE = 'output_buffer_size';
        /** Option name 'buffer_output_size'. */
        public const OPTION_BUFFER_OUTPUT_SIZE = 'buffer_output_size';
        /** Option name 'message_queue_key'. */
        public const OPTION_MESSAGE_QUEUE_KEY = 'message_queue_key';
        /** Option name 'bootstrap'. */
        public const OPTION_BOOTSTRAP = 'bootstrap';
        /** Option name 'init_arguments'. */
        public const OPTION_INIT_ARGUMENTS = 'init_arguments';
        /** Option name 'backlog'. */
        public const OPTION_BACKLOG = 'backlog';
        /** Option name 'kernel_socket_recv_buffer_size'. */
        public const OPTION_KERNEL_SOCKET_RECV_BUFFER_SIZE = 'kernel_socket_recv_buffer_size';
        /** Option name 'kernel_socket_send_buffer_size'. */
        public const OPTION_KERNEL_SOCKET_SEND_BUFFER_SIZE = 'kernel_socket_send_buffer_size';
        /** Option name 'tcp_defer_accept'. */
        public const OPTION_TCP_DEFER_ACCEPT = 'tcp_defer_accept';
        /** Option name 'open_tcp_keepalive'. */
        public const OPTION_OPEN_TCP_KEEPALIVE = 'open_tcp_keepalive';
        /** Option name 'open_http_protocol'. */
        public const OPTION_OPEN_HTTP_PROTOCOL = 'open_http_protocol';
        /** Option name 'open_websocket_protocol'. */
        public const OPTION_OPEN_WEBSOCKET_PROTOCOL = 'open_websocket_protocol';
        /** Option name 'websocket_subprotocol'. */
        public const OPTION_WEBSOCKET_SUBPROTOCOL = 'websocket_subprotocol';
        /** Option name 'open_websocket_close_frame'. */
        public const OPTION_OPEN_WEBSOCKET_CLOSE_FRAME = 'open_websocket_close_frame';
        /** Option name 'open_websocket_ping_frame'. */
        public const OPTION_OPEN_WEBSOCKET_PING_FRAME = 'open_websocket_ping_frame';
        /** Option name 'open_websocket_pong_frame'. */
        public const OPTION_OPEN_WEBSOCKET_PONG_FRAME = 'open_websocket_pong_frame';
        /** Option name 'open_http2_protocol'. */
        public const OPTION_OPEN_HTTP2_PROTOCOL = 'open_http2_protocol';
        /** Option name 'open_redis_protocol'. */
        public const OPTION_OPEN_REDIS_PROTOCOL = 'open_redis_protocol';
        /** Option name 'max_idle_time'. */
        public const OPTION_MAX_IDLE_TIME = 'max_idle_time';
        /** Option name 'tcp_keepidle'. */
        public const OPTION_TCP_KEEPIDLE = 'tcp_keepidle';
        /** Option name 'tcp_keepinterval'. */
        public const OPTION_TCP_KEEPINTERVAL = 'tcp_keepinterval';
        /** Option name 'tcp_keepcount'. */
        public const OPTION_TCP_KEEPCOUNT = 'tcp_keepcount';
        /** Option name 'tcp_user_timeout'. */
        public const OPTION_TCP_USER_TIMEOUT = 'tcp_user_timeout';
        /** Option name 'tcp_fastopen'. */
        public const OPTION_TCP_FASTOPEN = 'tcp_fastopen';
        /** Option name 'package_body_start'. */
        public const OPTION_PACKAGE_BODY_START = 'package_body_start';
        /** Option name 'ssl_client_cert_file'. */
        public const OPTION_SSL_CLIENT_CERT_FILE = 'ssl_client_cert_file';
        /** Option name 'ssl_prefer_server_ciphers'. */
        public const OPTION_SSL_PREFER_SERVER_CIPHERS = 'ssl_prefer_server_ciphers';
        /** Option name 'ssl_ecdh_curve'. */
        public const OPTION_SSL_ECDH_CURVE = 'ssl_ecdh_curve';
        /** Option name 'ssl_dhparam'. */
        public const OPTION_SSL_DHPARAM = 'ssl_dhparam';
        /** Option name 'ssl_sni_certs'. */
        public const OPTION_SSL_SNI_CERTS = 'ssl_sni_certs';
        /** Option name 'open_ssl'. */
        public const OPTION_OPEN_SSL = 'open_ssl';
        /** Option name 'open_fastcgi_protocol'. */
        public const OPTION_OPEN_FASTCGI_PROTOCOL = 'open_fastcgi_protocol';
        /** Option name 'read_timeout'. */
        public const OPTION_READ_TIMEOUT = 'read_timeout';
        /** Option name 'write_timeout'. */
        public const OPTION_WRITE_TIMEOUT = 'write_timeout';
        /** Option name 'ssl_disable_compression'. */
        public const OPTION_SSL_DISABLE_COMPRESSION = 'ssl_disable_compression';
        /** Option name 'ssl_grease'. */
        public const OPTION_SSL_GREASE = 'ssl_grease';
        /** Option name 'exit_condition'. */
        public const OPTION_EXIT_CONDITION = 'exit_condition';
        /** Option name 'deadlock_check_disable_trace'. */
        public const OPTION_DEADLOCK_CHECK_DISABLE_TRACE = 'deadlock_check_disable_trace';
        /** Option name 'deadlock_check_limit'. */
        public const OPTION_DEADLOCK_CHECK_LIMIT = 'deadlock_check_limit';
        /** Option name 'deadlock_check_depth'. */
        public const OPTION_DEADLOCK_CHECK_DEPTH = 'deadlock_check_depth';
        /** Option name 'stats_file'. */
        public const OPTION_STATS_FILE = 'stats_file';
        /** Option name 'stats_timer_interval'. */
        public const OPTION_STATS_TIMER_INTERVAL = 'stats_timer_interval';
        /** Option name 'admin_server'. */
        public const OPTION_ADMIN_SERVER = 'admin_server';
        /** Option name 'http_client_driver'. */
        public const OPTION_HTTP_CLIENT_DRIVER = 'http_client_driver';
    }
}

namespace Swoole\Atomic {
    /** A 64-bit signed counter in shared memory (see Swoole\Atomic). */
    class Long
    {
        /** A new counter starting at $value. */
        public function __construct(int $value = 0) {}
        /** Adds $add_value (wrapping); returns the new value. */
        public function add(int $add_value = 1): int {}
        /** Subtracts $sub_value (wrapping); returns the new value. */
        public function sub(int $sub_value = 1): int {}
        /** The current value. */
        public function get(): int {}
        /** Sets the value. */
        public function set(int $value): void {}
        /** Sets $new_value if the value is $cmp_value. */
        public function cmpset(int $cmp_value, int $new_value): bool {}
    }
}

namespace Swoole\Coroutine {
    /** A coroutine's context (Coroutine::getContext()). */
    class Context extends \ArrayObject
    {
    }

    /** The ids Coroutine::list() returns. */
    class Iterator extends \ArrayIterator
    {
    }

    /**
     * A bounded queue between coroutines: pop() from an empty channel and push() to a full
     * one wait (in a coroutine) until the other side, the timeout or close().
     */
    class Channel
    {
        /** How many values it holds at most. */
        public $capacity = 0;
        /** 0, SWOOLE_CHANNEL_TIMEOUT (-1) or SWOOLE_CHANNEL_CLOSED (-2), from the last push()/pop(). */
        public $errCode = 0;
        /** A channel of $size places (at least 1). */
        public function __construct(int $size = 1) {}
        /** Queues $data, waiting up to $timeout seconds (negative: no limit) for room. */
        public function push(mixed $data, float $timeout = -1): bool {}
        /** The oldest value, waiting up to $timeout seconds (negative: no limit); false on timeout or close. */
        public function pop(float $timeout = -1): mixed {}
        /** Whether nothing is queued. */
        public function isEmpty(): bool {}
        /** Whether every place is taken. */
        public function isFull(): bool {}
        /** Closes the channel and wakes every waiting coroutine; false if it was closed already. */
        public function close(): bool {}
        /** ['consumer_num' => waiting pops, 'producer_num' => waiting pushes, 'queue_num' => queued values]. */
        public function stats(): array {}
        /** How many values are queued. */
        public function length(): int {}
    }

    /** Waits (in a coroutine) until a counter drops to zero (Swoole's library class). */
    class WaitGroup
    {
        /** A group whose counter starts at $delta. */
        public function __construct(int $delta = 0) {}
        /** Adds $delta to the counter. */
        public function add(int $delta = 1): void {}
        /** Takes one from the counter; wakes the waiter at zero. */
        public function done(): void {}
        /** Waits until the counter is zero, at most $timeout seconds (negative: no limit). */
        public function wait(float $timeout = -1): bool {}
        /** The counter. */
        public function count(): int {}
    }

    /** Thrown where a coroutine resumes after Coroutine::cancel($cid, true). */
    class CanceledException extends \Exception
    {
    }

    /**
     * Swoole's coroutine TCP/UDP/unix client (SWOOLE_SOCK_* types, | SWOOLE_SSL): a call that
     * would block suspends the calling coroutine. Failures set errCode/errMsg and return false
     * without warnings; recv() returns '' when the peer closed. Timeouts: connect 10 s,
     * read/write 60 s by default (the timeout settings of set()), connect()'s $timeout sets all
     * three. exportSocket() returns the same connection as a Coroutine\Socket.
     * Not in swoole-rs: DTLS, the proxy settings.
     */
    class Client
    {
        /** send() flag: out-of-band data. */
        public const MSG_OOB = 1;
        /** Flag: look at the data without taking it. */
        public const MSG_PEEK = 2;
        /** Flag: do not block. */
        public const MSG_DONTWAIT = 64;
        /** Flag: wait for the whole requested size. */
        public const MSG_WAITALL = 256;

        /** The last error (an errno, or a SWOOLE_ERROR_* code); 0 when none. */
        public $errCode = 0;
        /** The text of errCode. */
        public $errMsg = '';
        /** The socket's file descriptor once connected (-1 before). */
        public $fd = -1;
        /** Swoole's exported socket object; not set by swoole-rs (use exportSocket()). */
        public $socket = null;
        /** The $type given to the constructor. */
        public $type = 1;
        /** The settings given to set(), merged. */
        public $setting = null;
        /** Whether the client is connected. */
        public $connected = false;

        /** A client of type SWOOLE_SOCK_TCP/TCP6/UDP/UDP6/UNIX_STREAM/UNIX_DGRAM (| SWOOLE_SSL). */
        public function __construct(int $type) {}
        /** Closes the connection. */
        public function __destruct() {}
        /** Merges settings (framing, timeouts, ssl_*, bind_address, ...); a connected client takes them at once. */
        public function set(array $settings): bool {}
        /** Connects to $host:$port (a unix socket's path as $host) within $timeout seconds (0: the connect timeout setting, 10 s by default; also sets the read/write timeouts); false with errCode/errMsg set on failure. */
        public function connect(string $host, int $port = 0, float $timeout = 0, int $sock_flag = 0): bool {}
        /** The next data, or one whole packet with framing, waiting up to $timeout seconds (0: the read timeout, 60 s by default); '' when the peer closed, false with errCode/errMsg set on error or timeout. */
        public function recv(float $timeout = 0): string|false {}
        /** Up to $length bytes already received, without taking them and without waiting; false (EAGAIN) when nothing is there. */
        public function peek(int $length = 65535): string|false {}
        /** Sends all of $data, waiting up to $timeout seconds (0: the write timeout); the number of bytes sent, or false with errCode/errMsg set. */
        public function send(string $data, float $timeout = 0): int|false {}
        /** Sends a file (a part of it with $offset and $length) over a stream socket; false with errCode/errMsg set on failure. */
        public function sendfile(string $filename, int $offset = 0, int $length = 0): bool {}
        /** Sends a datagram to $address:$port (UDP and unix datagram clients; connect() is not needed). */
        public function sendto(string $address, int $port, string $data): bool {}
        /** One datagram of at most $length bytes, its sender's address and port into $address and $port; false with errCode set on failure. */
        public function recvfrom(int $length, mixed &$address, mixed &$port = 0): string|false {}
        /** Starts TLS on a connected TCP client (the ssl_* settings apply); false with errCode/errMsg set on failure. */
        public function enableSSL(): bool {}
        /** The same connection as a Coroutine\Socket; false (errCode set) when not connected. */
        public function exportSocket(): \Swoole\Coroutine\Socket|false {}
        /** Whether the client is connected. */
        public function isConnected(): bool {}
        /** The local address: ['host' => string, 'address' => string, 'port' => int]; false on failure. */
        public function getsockname(): array|false {}
        /** The peer's address: ['host' => string, 'address' => string, 'port' => int]; false on failure. */
        public function getpeername(): array|false {}
        /** Closes the connection; false (errCode set) if it was not connected or another coroutine is inside a call on it. */
        public function close(): bool {}
    }

    /**
     * A socket whose waits suspend the calling coroutine: TCP/UDP/unix (AF_INET, AF_INET6,
     * AF_UNIX with SOCK_STREAM or SOCK_DGRAM), client or server (bind/listen/accept), with line,
     * buffered and framed reads (recvPacket() with the framing of setProtocol()). Failures set
     * errCode/errMsg and return false; reads return '' when the peer closed. Timeouts: connect
     * 10 s, read/write 60 s by default, a method's $timeout (0: that default) for that call.
     * Not in swoole-rs: readVector()/writeVector(), sslHandshake(), import(), getBoundCid().
     */
    class Socket
    {
        /** The file descriptor (-1 before one is made). */
        public $fd = -1;
        /** The $domain given to the constructor (AF_INET, AF_INET6, AF_UNIX). */
        public $domain = 0;
        /** The $type given to the constructor (SOCK_STREAM, SOCK_DGRAM). */
        public $type = 0;
        /** The $protocol given to the constructor. */
        public $protocol = 0;
        /** The last error (an errno, or a SWOOLE_ERROR_* code); 0 when none. */
        public $errCode = 0;
        /** The text of errCode. */
        public $errMsg = '';

        /** A new socket of $domain and $type; throws Coroutine\Socket\Exception if it cannot be made. */
        public function __construct(int $domain, int $type, int $protocol = 0) {}
        /** Closes the socket. */
        public function __destruct() {}
        /** Binds to $address:$port (a path for AF_UNIX). */
        public function bind(string $address, int $port = 0): bool {}
        /** Starts listening for connections. */
        public function listen(int $backlog = 512): bool {}
        /** The next connection as a new Coroutine\Socket, waiting up to $timeout seconds (0: the read timeout); false with errCode set on timeout or error. */
        public function accept(float $timeout = 0): \Swoole\Coroutine\Socket|false {}
        /** Connects to $host:$port (a path for AF_UNIX) within $timeout seconds (0: the connect timeout, 10 s by default); false with errCode/errMsg set on failure. Only in a coroutine. */
        public function connect(string $host, int $port = 0, float $timeout = 0): bool {}
        /** Whether the socket is connected and the peer has not closed it (checked without waiting). */
        public function checkLiveness(): bool {}
        /** Up to $length bytes already received, without taking them and without waiting; false (EAGAIN) when nothing is there. */
        public function peek(int $length = 65536): string|false {}
        /** Up to $length bytes, whatever arrives first, waiting up to $timeout seconds; '' when the peer closed, false on error or timeout. */
        public function recv(int $length = 65536, float $timeout = 0): string|false {}
        /** Exactly $length bytes (fewer only when the peer closed), waiting up to $timeout seconds; false on error or timeout. */
        public function recvAll(int $length = 65536, float $timeout = 0): string|false {}
        /** One line, up to and including "\n" (at most $length bytes; the rest stays buffered), waiting up to $timeout seconds; '' when the peer closed, false on error or timeout. */
        public function recvLine(int $length = 65536, float $timeout = 0): string|false {}
        /** Up to $length bytes from the socket's read buffer, filled by one read when empty (the rest stays for the next call); '' when the peer closed, false on error or timeout. */
        public function recvWithBuffer(int $length = 65536, float $timeout = 0): string|false {}
        /** One whole packet with the framing of setProtocol() (open_length_check, open_eof_check, ...), waiting up to $timeout seconds; '' when the peer closed, false on error or timeout. */
        public function recvPacket(float $timeout = 0): string|false {}
        /** Sends $data, waiting up to $timeout seconds (0: the write timeout); the number of bytes sent, or false. */
        public function send(string $data, float $timeout = 0): int|false {}
        /** Sends all of $data, waiting up to $timeout seconds; the number of bytes sent, or false. */
        public function sendAll(string $data, float $timeout = 0): int|false {}
        /** Sends a file (a part of it with $offset and $length) over a stream socket. */
        public function sendFile(string $file, int $offset = 0, int $length = 0): bool {}
        /** The next datagram, waiting up to $timeout seconds; its sender into $peername as ['address' => string, 'port' => int]; false on error or timeout. */
        public function recvfrom(mixed &$peername, float $timeout = 0): string|false {}
        /** Sends a datagram to $addr:$port; the number of bytes sent, or false. */
        public function sendto(string $addr, int $port, string $data): int|false {}
        /** A socket option (getsockopt(2)) as an int; SO_RCVTIMEO/SO_SNDTIMEO give the coroutine timeouts as ['sec' => int, 'usec' => int]. */
        public function getOption(int $level, int $opt_name): mixed {}
        /** Sets a socket option (setsockopt(2)) from an int or bool; SO_RCVTIMEO/SO_SNDTIMEO (['sec' => int, 'usec' => int]) set the coroutine timeouts. */
        public function setOption(int $level, int $opt_name, mixed $opt_value): bool {}
        /** Sets the framing for recvPacket() (open_length_check, open_eof_check, package_*, ...) and timeouts, as Swoole\Client's settings. */
        public function setProtocol(array $settings): bool {}
        /** Shuts down one or both directions (STREAM_SHUT_RD, STREAM_SHUT_WR, STREAM_SHUT_RDWR). */
        public function shutdown(int $how = 2): bool {}
        /** Closes the socket, first canceling the wait of a coroutine blocked on it; false if it was closed already. */
        public function close(): bool {}
        /** Ends the read (SWOOLE_EVENT_READ) or write (SWOOLE_EVENT_WRITE) wait another coroutine is in on this socket; that call fails with ECANCELED. */
        public function cancel(int $event = \SWOOLE_EVENT_READ): bool {}
        /** The local address: ['address' => string, 'port' => int]; false on failure. */
        public function getsockname(): array|false {}
        /** The peer's address: ['address' => string, 'port' => int]; false on failure. */
        public function getpeername(): array|false {}
        /** Whether close() was called. */
        public function isClosed(): bool {}
    }

    /**
     * Blocking system calls (DNS, files, child processes) made in a coroutine without blocking
     * the worker: they run on the runtime's blocking threads while the coroutine waits.
     * Not in swoole-rs: waitSignal().
     */
    class System
    {
        /** Lets other coroutines run for $seconds (as Coroutine::sleep()). */
        public static function sleep(float $seconds): bool {}
        /** The first address of $domain_name ($type: AF_INET (2) or AF_INET6), waiting up to $timeout seconds (negative: no limit); false if it does not resolve. Only in a coroutine. */
        public static function gethostbyname(string $domain_name, int $type = 2, float $timeout = -1): string|false {}
        /** The first address of $domain_name (resolved with the system resolver), waiting up to $timeout seconds; $type: AF_INET (2) or AF_INET6; false if it does not resolve. */
        public static function dnsLookup(string $domain_name, float $timeout = 60, int $type = 2): string|false {}
        /** Every address of $domain in $family (AF_INET (2) or AF_INET6) as a list of strings, waiting up to $timeout seconds; false if it does not resolve ($socktype, $protocol, $service are accepted). */
        public static function getaddrinfo(string $domain, int $family = 2, int $socktype = 1, int $protocol = \STREAM_IPPROTO_TCP, ?string $service = null, float $timeout = -1): array|bool {}
        /** Runs $command with /bin/sh: ['code' => int, 'signal' => int, 'output' => string] (stdout, with stderr too when $get_error_stream); false if it cannot start. */
        public static function exec(string $command, bool $get_error_stream = false): array|false {}
        /** The whole file's contents; false (logged) if it cannot be read. Only in a coroutine. */
        public static function readFile(string $filename, int $flag = 0): string|false {}
        /** Writes $fileContent to the file (created, truncated; appended with FILE_APPEND in $flags); the number of bytes written, or false (logged). Only in a coroutine. */
        public static function writeFile(string $filename, string $fileContent, int $flags = 0): int|false {}
        /** statvfs(3) of $path: bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax. */
        public static function statvfs(string $path): array {}
        /** Waits up to $timeout seconds (negative: no limit) for any child process to end: ['pid' => int, 'code' => int, 'signal' => int]; false on timeout or with no child. */
        public static function wait(float $timeout = -1): array|false {}
        /** Waits up to $timeout seconds (negative: no limit) for child $pid to end: ['pid' => int, 'code' => int, 'signal' => int]; false on timeout or if it is not a child. */
        public static function waitPid(int $pid, float $timeout = -1): array|false {}
        /** Waits up to $timeout seconds (negative: no limit) for one of $signals (a number or an array of them): its number, or false (SWOOLE_ERROR_CO_TIMEDOUT; a warning while Process::signal() callbacks are set, or for SIGCHLD and invalid numbers). Only in a coroutine. */
        public static function waitSignal(array|int $signals, float $timeout = -1): int|false {}
        /** Waits up to $timeout seconds (negative: no limit) until a stream, socket or fd is readable (SWOOLE_EVENT_READ) or writable (SWOOLE_EVENT_WRITE); which one it is, or false. */
        public static function waitEvent(mixed $socket, int $events = \SWOOLE_EVENT_READ, float $timeout = -1): int|false {}
    }

    /** Coroutines added first (add(), parallel()), then start() runs them all and the event loop until nothing is left, as Co\run() does for one. */
    class Scheduler
    {
        /** Adds a coroutine running $func(...$param) when start() is called. */
        public function add(callable $func, mixed ...$param): void {}
        /** Adds $n coroutines each running $func(...$param). */
        public function parallel(int $n, callable $func, mixed ...$param): void {}
        /** As Coroutine::set(). */
        public function set(array $settings): void {}
        /** As Coroutine::getOptions(). */
        public function getOptions(): ?array {}
        /** Starts the added coroutines and runs until every coroutine and timer is done; false (with a warning) when nothing was added, it already runs, or an event loop runs already. */
        public function start(): bool {}
        /** Forgets the tasks never started. */
        public function __destruct() {}
    }

    /**
     * A TCP (or "unix:/path") server in a coroutine, as Swoole's library class: start()
     * accepts in the calling coroutine and runs the handler in a coroutine per connection
     * with a Server\Connection; set() gives each connection its protocol (length or EOF
     * framing) for recv().
     */
    class Server
    {
        /** The host (or unix path) listened on. */
        public $host = '';
        /** The port listened on (the one the system chose for 0). */
        public $port = 0;
        /** AF_INET (2), AF_INET6 or AF_UNIX. */
        public $type = 2;
        /** The listening socket's descriptor. */
        public $fd = -1;
        /** Why start() failed (EINVAL: no handler). */
        public $errCode = 0;
        /** The settings: open_ssl, then what set() merged in. */
        public $setting = null;

        /** Binds and listens; a Swoole\Exception if it cannot. */
        public function __construct(string $host, int $port = 0, bool $ssl = false, bool $reuse_port = false) {}
        /** Forgets the server. */
        public function __destruct() {}
        /** Merges $setting into the settings (the connections' protocol). */
        public function set(array $setting): void {}
        /** $fn(Swoole\Coroutine\Server\Connection $conn) serves each connection, in its own coroutine. */
        public function handle(callable $fn): void {}
        /** Stops accepting: start() returns. */
        public function shutdown(): bool {}
        /** Accepts until shutdown(); only in a coroutine; false (errCode EINVAL) without a handler. */
        public function start(): bool {}
    }

    /**
     * A barrier: Barrier::wait($barrier) lets go of the caller's reference and waits until
     * every coroutine holding the barrier has let it go too (Swoole's library class).
     */
    class Barrier
    {
        /** Resumes the coroutine in wait() when the last holder lets the barrier go. */
        public function __destruct() {}
        /** A new barrier. */
        public static function make(): static {}
        /** Sets $barrier to null, then waits (up to $timeout seconds; negative: no limit) until no other reference is left; Swoole\Exception if another coroutine already waits on it. */
        public static function wait(\Swoole\Coroutine\Barrier &$barrier, float $timeout = -1): void {}
    }

    /** Runs $fn(...$args) in a coroutine and drives every coroutine and timer until none is left. */
    function run(callable $fn, mixed ...$args): bool {}
    /** Alias of \go(). */
    function go(callable $func, mixed ...$params): int|false {}
    /** Alias of \Swoole\Coroutine::defer(). */
    function defer(callable $callback): void {}
}

namespace Swoole\Coroutine\Server {
    /** One connection of a Coroutine\Server. */
    class Connection
    {
        /** The connection's socket. */
        protected $socket = null;

        /** Wraps an accepted socket. */
        public function __construct(\Swoole\Coroutine\Socket $conn) {}
        /** The next packet (recvPacket() with the server's protocol); '' when the client closed, false on timeout or error. */
        public function recv(float $timeout = 0) {}
        /** Sends all of $data (sendAll()). */
        public function send(string $data) {}
        /** Closes the connection. */
        public function close(): bool {}
        /** The connection's Coroutine\Socket. */
        public function exportSocket(): \Swoole\Coroutine\Socket {}
    }
}

namespace Swoole\Coroutine\Socket {
    /** Thrown by new Coroutine\Socket() when the socket cannot be made (getCode(): the errno). */
    class Exception extends \Swoole\Exception
    {
    }
}

namespace Swoole\Coroutine\Http {
    /**
     * An HTTP server in a coroutine: start() accepts in the calling coroutine and serves each
     * connection in a coroutine of its own, one request after another, with the same Request
     * and Response objects as Http\Server. A handler may $response->upgrade() the connection
     * to WebSocket and then push() and recv() frames. Not in swoole-rs: SSL, HTTP/2, response
     * compression.
     */
    final class Server
    {
        /** The listening socket's descriptor. */
        public $fd = -1;
        /** The host given to the constructor. */
        public $host = null;
        /** The port listened on (the one the system chose for 0). */
        public $port = -1;
        /** SSL was asked for (not supported by swoole-rs). */
        public $ssl = false;
        /** What set() was given. */
        public $settings = null;
        /** The errno of the last failure. */
        public $errCode = 0;
        /** Its text. */
        public $errMsg = '';

        /** Binds and listens on $host:$port ("unix:/path" for a unix socket); a Swoole\Exception if it cannot. */
        public function __construct(string $host, int $port = 0, bool $ssl = false, bool $reuse_port = false) {}
        /** Forgets the server. */
        public function __destruct() {}
        /** Request parsing settings (http_parse_post, http_parse_cookie, upload_tmp_dir, package_max_length); false for an empty array. */
        public function set(array $settings): bool {}
        /** $callback($request, $response) serves the paths that start with $pattern (case insensitive); "/" serves the rest. */
        public function handle(string $pattern, callable $callback): bool {}
        /** Accepts and serves until shutdown(); only in a coroutine. */
        public function start(): bool {}
        /** Stops accepting; connections waiting for a request end. */
        public function shutdown(): void {}
    }

    /**
     * Swoole's coroutine HTTP/1.1 client with keep-alive (chunked, gzip/deflate, cookies, defer,
     * download, multipart uploads): a call that would block suspends the calling coroutine.
     * The request is the object's properties (requestMethod, requestHeaders, requestBody,
     * cookies, uploadFiles, ...), the response lands in statusCode, headers, cookies, body.
     * get()/post()/execute() return true for any HTTP status and false on failure, with
     * statusCode -1 (connect failed), -2 (timeout), -3 (server reset / invalid response) or
     * -4 (send failed) and errCode/errMsg set. upgrade() then push()/recv() make it a
     * WebSocket client. Timeouts: connect_timeout (10 s) and timeout (60 s) settings.
     * Not in swoole-rs: the write_func, max_retries, proxy and websocket_compression
     * settings; the socket property stays null.
     */
    class Client
    {
        /** Swoole's Coroutine\Socket of the connection; always null in swoole-rs. */
        public $socket = null;
        /** The last error (an errno, or a SWOOLE_ERROR_* code); 0 when none. */
        public $errCode = 0;
        /** The text of errCode. */
        public $errMsg = '';
        /** Whether a connection to the server is open. */
        public $connected = false;
        /** The $host given to the constructor. */
        public $host = '';
        /** The $port given to the constructor. */
        public $port = 0;
        /** The $ssl given to the constructor. */
        public $ssl = false;
        /** The settings given to set(), merged. */
        public $setting = null;
        /** The next request's method (null: GET, or POST with a body). */
        public $requestMethod = null;
        /** The next request's headers, name => value. */
        public $requestHeaders = null;
        /** The next request's body: a string, or an array sent as a form (multipart with uploadFiles). */
        public $requestBody = null;
        /** Files and data for a multipart request (addFile(), addData()). */
        public $uploadFiles = null;
        /** The file the next response's body goes to (download()). */
        public $downloadFile = null;
        /** Where in downloadFile the body is written (download()). */
        public $downloadOffset = 0;
        /** The last response's HTTP status, or -1 (connect failed), -2 (timeout), -3 (server reset / invalid response), -4 (send failed). */
        public $statusCode = 0;
        /** The last response's headers, name (lower-case unless lowercase_header is false) => value (a list when repeated). */
        public $headers = null;
        /** The last response's Set-Cookie header lines. */
        public $set_cookie_headers = null;
        /** Cookies sent with each request, name => value; the responses' Set-Cookie are merged in. */
        public $cookies = null;
        /** The last response's body ('' when it went to a download file). */
        public $body = '';

        /** A client for $host:$port (0: 80, or 443 with $ssl; "unix:/path" for a unix socket); throws Coroutine\Http\Client\Exception for an empty $host. Connects at the first request. */
        public function __construct(string $host, int $port = 0, bool $ssl = false) {}
        /** Closes the connection. */
        public function __destruct() {}
        /** Merges settings (timeout, connect_timeout, keep_alive, defer, ssl_*, websocket_mask, lowercase_header, ...); false for an empty array. */
        public function set(array $settings): bool {}
        /** Whether requests are deferred (setDefer()). */
        public function getDefer(): bool {}
        /** With $defer, get()/post()/execute() only send the request and recv() reads the response. */
        public function setDefer(bool $defer = true): bool {}
        /** Sets the next request's method (requestMethod). */
        public function setMethod(string $method): bool {}
        /** Sets the next requests' headers (requestHeaders), name => value. */
        public function setHeaders(array $headers): bool {}
        /** Sends an Authorization: Basic header with the next requests. */
        public function setBasicAuth(string $username, string $password): void {}
        /** Sets the cookies sent with the next requests (cookies), name => value. */
        public function setCookies(array $cookies): bool {}
        /** Sets the next request's body (requestBody): a string, or an array sent as a form. */
        public function setData(array|string $data): bool {}
        /** Adds file $path (a part of it with $offset and $length) to a multipart request as field $name; false with a warning if it cannot be read. */
        public function addFile(string $path, string $name, ?string $type = null, ?string $filename = null, int $offset = 0, int $length = 0): bool {}
        /** Adds the string $path (the data itself) to a multipart request as a file in field $name. */
        public function addData(string $path, string $name, ?string $type = null, ?string $filename = null): bool {}
        /** Sends the request the properties describe to $path and reads the response (unless deferred); true for any HTTP status, false on failure with statusCode -1..-4 and errCode/errMsg set. */
        public function execute(string $path): bool {}
        /** The server's address: ['address' => string, 'port' => int]; false when not connected. */
        public function getpeername(): array|false {}
        /** The local address: ['address' => string, 'port' => int]; false when not connected. */
        public function getsockname(): array|false {}
        /** A GET request of $path; true for any HTTP status, false on failure with statusCode -1..-4 and errCode/errMsg set. */
        public function get(string $path): bool {}
        /** A POST request of $path with body $data (a string, or an array sent as a form); true for any HTTP status, false on failure with statusCode -1..-4. */
        public function post(string $path, mixed $data): bool {}
        /** Requests $path as execute() does and writes the response body to $file from $offset (truncated when 0) instead of body; true for any HTTP status, false on failure. */
        public function download(string $path, string $file, int $offset = 0): bool {}
        /** The last response's body (the body property). */
        public function getBody(): string|false {}
        /** The last response's headers (the headers property). */
        public function getHeaders(): array|false|null {}
        /** The cookies (the cookies property). */
        public function getCookies(): array|false|null {}
        /** The last response's status, or -1..-4 (the statusCode property). */
        public function getStatusCode(): int|false {}
        /** The head (request line and headers) of the last request sent; false before any. */
        public function getHeaderOut(): string|false {}
        /** The server's TLS certificate as PEM; false without TLS or a certificate. */
        public function getPeerCert(): string|false {}
        /** Sends a WebSocket handshake request for $path; on a 101 answer (check statusCode) the connection becomes a WebSocket one for push()/recv(); false on failure as get(). */
        public function upgrade(string $path): bool {}
        /** Sends a WebSocket message (a string or a Swoole\WebSocket\Frame) after upgrade(); false with errCode set on failure. */
        public function push(mixed $data, int $opcode = \SWOOLE_WEBSOCKET_OPCODE_TEXT, int $flags = \SWOOLE_WEBSOCKET_FLAG_FIN): bool {}
        /** After upgrade(): the next WebSocket frame as a Swoole\WebSocket\Frame, '' when the server closed, false on timeout or failure; with setDefer(): reads the response of the request sent (true/false as get()). $timeout 0: the timeout setting. */
        public function recv(float $timeout = 0): \Swoole\WebSocket\Frame|string|bool {}
        /** Closes the connection; false if there was none. */
        public function close(): bool {}
        /** Sends a WebSocket ping frame with $data. */
        public function ping(string $data = ''): bool {}
        /** Sends a WebSocket close frame ($code, $reason) and closes the connection. */
        public function disconnect(int $code = \SWOOLE_WEBSOCKET_CLOSE_NORMAL, string $reason = ''): bool {}
    }
}

namespace Swoole\Coroutine\Http\Client {
    /** Thrown by new Coroutine\Http\Client() for an empty host (getCode(): EINVAL). */
    class Exception extends \Swoole\Exception
    {
    }
}

namespace Co {
    /** Short name of \Swoole\Coroutine\run(). */
    function run(callable $fn, mixed ...$args): bool {}
    /** Alias of \go(). */
    function go(callable $func, mixed ...$params): int|false {}
    /** Alias of \Swoole\Coroutine::defer(). */
    function defer(callable $callback): void {}
}

namespace Swoole\Connection {

    /**
     * The open connections of a server ($server->connections): foreach yields each fd; count() and isset($conns[$fd]) work.
     * Obtained from $server->connections only (swoole-rs declares no __construct()/__destruct(); Swoole
     * declares both, and its constructor refuses to be called).
     */
    class Iterator implements \Iterator, \Countable, \ArrayAccess
    {
        /** Restart iteration from the first connection. */
        public function rewind(): void {}

        /** Move to the next connection. */
        public function next(): void {}

        /** The current connection's fd. */
        public function current(): mixed {}

        /** The current connection's fd. */
        public function key(): mixed {}

        /** Whether the iterator points at a connection. */
        public function valid(): bool {}

        /** Number of open connections. */
        public function count(): int {}

        /** Whether the connection $fd is open. */
        public function offsetExists(mixed $fd): bool {}

        /**
         * Information about connection $fd (as Server::getClientInfo()).
         * @return mixed
         */
        public function offsetGet(mixed $fd): mixed {}

        /** Not supported: connections cannot be added. */
        public function offsetSet(mixed $fd, mixed $value): void {}

        /** Not supported: use Server::close() to close a connection. */
        public function offsetUnset(mixed $fd): void {}
    }
}

namespace Swoole\Server {
    /** What onConnect, onReceive and onClose get with `event_object => true`. */
    class Event
    {
        /** The reactor (a BASE worker's id) that saw the event; -1 for a close the server made. */
        public $reactor_id = 0;
        /** The connection. */
        public $fd = 0;
        /** When the data was dispatched (0 for a connect or close). */
        public $dispatch_time = 0.0;
        /** onReceive's data (null for a connect or close). */
        public $data = null;
    }

    /** What onPacket gets with `event_object => true`. */
    class Packet
    {
        /** The UDP socket's descriptor (sendto()'s $server_socket). */
        public $server_socket = 0;
        /** The port it listens on. */
        public $server_port = 0;
        /** When the datagram was dispatched. */
        public $dispatch_time = 0.0;
        /** The sender's address (a path for unix datagrams). */
        public $address = null;
        /** The sender's port. */
        public $port = 0;
        /** The datagram (declared here; Swoole sets it undeclared). */
        public $data = null;
    }

    /** What onPipeMessage gets with `event_object => true`. */
    class PipeMessage
    {
        /** The worker that sent it. */
        public $source_worker_id = 0;
        /** The worker receiving it. */
        public $worker_id = 0;
        /** When it was dispatched. */
        public $dispatch_time = 0.0;
        /** The message. */
        public $data = null;
    }

    /** What onFinish gets with `event_object => true`. */
    class TaskResult
    {
        /** The task's id. */
        public $task_id = 0;
        /** The task worker that ran it. */
        public $task_worker_id = 0;
        /** When the result was dispatched. */
        public $dispatch_time = 0.0;
        /** The result. */
        public $data = null;
    }

    /** What onWorkerError gets with `event_object => true`. */
    class StatusInfo
    {
        /** The worker that ended. */
        public $worker_id = 0;
        /** Its process id. */
        public $worker_pid = 0;
        /** The wait status (exit code << 8 | signal). */
        public $status = 0;
        /** Its exit code. */
        public $exit_code = 0;
        /** The signal that ended it, or 0. */
        public $signal = 0;
    }


    /**
     * What onTask($server, $task) gets with task_enable_coroutine (run in a coroutine) or
     * task_object: the task's data, id, sending worker and dispatch time.
     */
    final class Task
    {
        /** The data given to task(). */
        public $data = null;
        /** When the task was dispatched (Unix time, seconds). */
        public $dispatch_time = 0.0;
        /** The task id. */
        public $id = -1;
        /** The worker that sent the task. */
        public $worker_id = -1;
        /** Swoole's task flags. */
        public $flags = 0;

        /** Sends $data back to the sending worker as this task's result (onFinish, or the waiting taskwait()/taskCo()). */
        public function finish(mixed $data): bool {}
    }

    /**
     * One listener of a server (the main one, or one added with Server::listen()).
     * It can have its own settings and protocol callbacks.
     */
    class Port
    {
        /** @var callable|null Callback registered with on('connect'). */
        private $onConnect = null;
        /** @var callable|null Callback registered with on('receive'). */
        private $onReceive = null;
        /** @var callable|null Callback registered with on('close'). */
        private $onClose = null;
        /** @var callable|null Callback registered with on('packet'). */
        private $onPacket = null;
        /** @var callable|null Callback registered with on('bufferFull'). */
        private $onBufferFull = null;
        /** @var callable|null Callback registered with on('bufferEmpty'). */
        private $onBufferEmpty = null;
        /** @var callable|null Callback registered with on('request'). */
        private $onRequest = null;
        /** @var callable|null Callback registered with on('handshake'). */
        private $onHandshake = null;
        /** @var callable|null Callback registered with on('open'). */
        private $onOpen = null;
        /** @var callable|null Callback registered with on('message'). */
        private $onMessage = null;
        /** @var callable|null Callback registered with on('disconnect'). */
        private $onDisconnect = null;
        /** @var callable|null Callback registered with on('beforeHandshakeResponse'). */
        private $onBeforeHandshakeResponse = null;

        /** @var string|null Address this port is bound to. */
        public $host = null;
        /** @var int Port number. */
        public $port = 0;
        /** @var int Socket type (SWOOLE_SOCK_*, possibly | SWOOLE_SSL). */
        public $type = 0;
        /** @var int Listening socket fd. */
        public $sock = -1;
        /** @var bool Whether this port uses TLS. */
        public $ssl = false;
        /** @var array|null Settings passed to set(). */
        public $setting = null;
        /** @var \Swoole\Connection\Iterator|null The connections accepted on this port. */
        public $connections = null;

        /** Ports are created by Server::__construct() and Server::listen(). */
        private function __construct() {}

        /** Release the port. */
        public function __destruct() {}

        /**
         * Settings for this port only (protocol options such as open_websocket_protocol, open_http_protocol, SSL files).
         */
        public function set(array $settings): void {}

        /**
         * Register an event callback for this port only: connect, receive, close, packet, bufferFull, bufferEmpty,
         * request, handshake, beforeHandshakeResponse, open, message, disconnect (signatures as in \Swoole\Server::on()).
         * @return bool False (with a warning) for an unknown event or a non-callable callback.
         */
        public function on(string $event_name, callable $callback): bool {}

        /** Return the callback registered on this port for an event, or null. */
        public function getCallback(string $event_name): ?\Closure {}
    }
}

namespace Swoole\Http {

    /**
     * HTTP/1.1 server: calls on('request') with a Request and a Response for each request.
     */
    class Server extends \Swoole\Server
    {
    }

    /**
     * An HTTP request (also the handshake request passed to WebSocket on('open') and on('handshake')).
     */
    class Request
    {
        /** @var int Connection id (fd) the request came from. */
        public $fd = 0;
        /** @var int HTTP/2 stream id (0 for HTTP/1.x). */
        public $streamId = 0;
        /** @var array|null Request headers: lower-cased name => value (array of values for repeated headers); Cookie goes to $cookie. */
        public $header = null;
        /**
         * @var array|null Server info: query_string (only with a query), request_method, request_uri, path_info, request_time,
         * request_time_float, server_protocol, server_port, remote_port, server_addr, remote_addr, master_time.
         */
        public $server = null;
        /** @var array|null Cookies, url-decoded (null when the request has none). */
        public $cookie = null;
        /** @var array|null Query string parameters, parse_str() semantics (null without a query). */
        public $get = null;
        /** @var array|null Uploaded files, shaped like $_FILES (null when none). */
        public $files = null;
        /** @var array|null Form fields of a urlencoded or multipart body (null when none). */
        public $post = null;
        /** @var array|null Temporary files created for the uploads. */
        public $tmpfiles = null;

        /**
         * The raw request body.
         * @return string|false
         */
        public function getContent(): string|false {}

        /**
         * Alias of getContent(): the raw request body.
         * @return string|false
         */
        public function rawContent(): string|false {}

        /**
         * The complete raw request (request line, headers and body).
         * @return string|false
         */
        public function getData(): string|false {}

        /**
         * Create an empty request to fill with parse() (for parsing HTTP outside a server).
         * @param array $options Parser options (e.g. parse_cookie, parse_body, parse_files, upload_tmp_dir, max_header_length...).
         */
        public static function create(array $options = []): \Swoole\Http\Request {}

        /**
         * Feed raw HTTP bytes to a request created with create().
         * @return int|false Number of bytes consumed, or false on a parse error.
         */
        public function parse(string $data): int|false {}

        /** Whether parse() has received a complete request. */
        public function isCompleted(): bool {}

        /**
         * The request method (GET, POST, ...).
         * @return string|false
         */
        public function getMethod(): string|false {}
    }

    /**
     * A cookie built field by field (Swoole 6.1+): give it to Response::cookie() / setCookie(),
     * or turn it into its Set-Cookie value with toString(). Each with*() changes this object and returns it.
     */
    class Cookie
    {
        /** $encode: URL-encode the value (false: it must hold no separators, as rawcookie()). */
        public function __construct(bool $encode = true) {}
        /** The cookie's name (it must not be empty, nor hold "=" or separators). */
        public function withName(string $name): \Swoole\Http\Cookie {}
        /** An empty value makes the cookie a deletion ("name=deleted; expires=...1970...; Max-Age=0"). */
        public function withValue(string $value = ''): \Swoole\Http\Cookie {}
        /** A Unix time; 0: a session cookie. */
        public function withExpires(int $expires = 0): \Swoole\Http\Cookie {}
        /** The path attribute (none while empty). */
        public function withPath(string $path = '/'): \Swoole\Http\Cookie {}
        /** The domain attribute (none while empty). */
        public function withDomain(string $domain = ''): \Swoole\Http\Cookie {}
        /** The Secure attribute. */
        public function withSecure(bool $secure = false): \Swoole\Http\Cookie {}
        /** The HttpOnly attribute. */
        public function withHttpOnly(bool $httpOnly = false): \Swoole\Http\Cookie {}
        /** The SameSite attribute (Lax, Strict, None; none while empty). */
        public function withSameSite(string $sameSite = ''): \Swoole\Http\Cookie {}
        /** The Priority attribute (Low, Medium, High; none while empty). */
        public function withPriority(string $priority = ''): \Swoole\Http\Cookie {}
        /** The Partitioned attribute. */
        public function withPartitioned(bool $partitioned = false): \Swoole\Http\Cookie {}
        /** name, value, path, domain, sameSite, priority, encode, expires, secure, httpOnly, partitioned. */
        public function toArray(): array {}
        /** The Set-Cookie value; false (a warning, and the cookie reset) for a name, value, path, domain or date Swoole refuses. */
        public function toString(): string|false {}
        /** Every field back to its default (encode: true). */
        public function reset(): void {}
        /** @internal swoole-rs: forgets the object's fields. */
        public function __destruct() {}
    }

    /**
     * The response to an HTTP request (or to a WebSocket handshake in on('handshake')).
     */
    class Response
    {
        /** @var int Connection id (fd) the response goes to. */
        public $fd = 0;
        /** @var mixed Underlying socket (coroutine server only). */
        public $socket = null;
        /** @var array|null Headers set with header(). */
        public $header = null;
        /** @var array|null Cookies set with cookie()/rawcookie(). */
        public $cookie = null;
        /** @var array|null Trailers set with trailer() (HTTP/2). */
        public $trailer = null;

        /** Reset the headers to an empty list. */
        public function initHeader(): bool {}

        /** Whether the response can still be written (end() not yet called, connection open). */
        public function isWritable(): bool {}

        /**
         * Add a Set-Cookie header; the value is URL-encoded.
         * @param \Swoole\Http\Cookie|string $name_or_object Cookie name, or a Cookie object carrying all fields.
         * @param int $expires Unix timestamp; 0 for a session cookie.
         * @param string $samesite 'Strict', 'Lax', 'None' or ''.
         */
        public function cookie(\Swoole\Http\Cookie|string $name_or_object, string $value = '', int $expires = 0, string $path = '/', string $domain = '', bool $secure = false, bool $httponly = false, string $samesite = '', string $priority = '', bool $partitioned = false): bool {}

        /**
         * Alias of cookie(): add a Set-Cookie header with a URL-encoded value.
         * @param \Swoole\Http\Cookie|string $name_or_object
         */
        public function setCookie(\Swoole\Http\Cookie|string $name_or_object, string $value = '', int $expires = 0, string $path = '/', string $domain = '', bool $secure = false, bool $httponly = false, string $samesite = '', string $priority = '', bool $partitioned = false): bool {}

        /**
         * Add a Set-Cookie header with the value sent as is (not URL-encoded).
         * @param \Swoole\Http\Cookie|string $name_or_object
         */
        public function rawcookie(\Swoole\Http\Cookie|string $name_or_object, string $value = '', int $expires = 0, string $path = '/', string $domain = '', bool $secure = false, bool $httponly = false, string $samesite = '', string $priority = '', bool $partitioned = false): bool {}

        /**
         * Alias of rawcookie(): add a Set-Cookie header with the value sent as is.
         * @param \Swoole\Http\Cookie|string $name_or_object
         */
        public function setRawCookie(\Swoole\Http\Cookie|string $name_or_object, string $value = '', int $expires = 0, string $path = '/', string $domain = '', bool $secure = false, bool $httponly = false, string $samesite = '', string $priority = '', bool $partitioned = false): bool {}

        /**
         * Set the status code (and optionally the reason phrase), e.g. status(101) in on('handshake').
         * @param string $reason Empty: the standard phrase for $http_code.
         */
        public function status(int $http_code, string $reason = ''): bool {}

        /**
         * Alias of status(): set the status code and reason phrase.
         */
        public function setStatusCode(int $http_code, string $reason = ''): bool {}

        /**
         * Set a response header (an array value sends the header once per element).
         * @param bool $format Normalise the name's case (content-type -> Content-Type).
         */
        public function header(string $key, array|string $value, bool $format = true): bool {}

        /**
         * Alias of header(): set a response header.
         */
        public function setHeader(string $key, array|string $value, bool $format = true): bool {}

        /** Add a trailer header, sent after the body (HTTP/2 and chunked responses). */
        public function trailer(string $key, string $value): bool {}

        /** Send an HTTP/2 PING frame. */
        public function ping(string $data = ''): bool {}

        /** Send an HTTP/2 GOAWAY frame. */
        public function goaway(int $error_code = \SWOOLE_HTTP2_ERROR_NO_ERROR, string $debug_data = ''): bool {}

        /**
         * Send a chunk of the body (switches to Transfer-Encoding: chunked); finish with end().
         */
        public function write(string $content): bool {}

        /**
         * Send the response (status, headers, and $content as the body) and finish it. Call once.
         * @param string|null $content Body, or null/omitted for an empty body (or after write()).
         */
        public function end(?string $content = null): bool {}

        /**
         * Send (part of) a file as the body and finish the response.
         * @param int $length Bytes to send; 0 means up to the end of the file.
         */
        public function sendfile(string $filename, int $offset = 0, int $length = 0): bool {}

        /**
         * Redirect: send a Location header with a 3xx status and finish the response.
         */
        public function redirect(string $location, int $http_code = 302): bool {}

        /** Detach the response from the request so another process or callback can finish it via create(). */
        public function detach(): bool {}

        /**
         * Create a response for a connection (e.g. to answer a detached request, or from a raw fd).
         * @param object|array|int $server The server (or [server, request]) or a socket fd.
         * @return \Swoole\Http\Response|false
         */
        public static function create(object|array|int $server = -1, int $fd = -1): \Swoole\Http\Response|false {}

        /** Coroutine HTTP server: answer the WebSocket handshake and switch this connection to WebSocket. */
        public function upgrade(): bool {}

        /**
         * Coroutine HTTP server: send a WebSocket message on an upgraded connection.
         * @param \Swoole\WebSocket\Frame|string $data
         */
        public function push(\Swoole\WebSocket\Frame|string $data, int $opcode = \SWOOLE_WEBSOCKET_OPCODE_TEXT, int $flags = \SWOOLE_WEBSOCKET_FLAG_FIN): bool {}

        /**
         * Coroutine HTTP server: wait for the next WebSocket frame.
         * @param float $timeout Seconds; 0 uses the default.
         * @return \Swoole\WebSocket\Frame|string|false A frame, '' when the peer closed, false on error/timeout.
         */
        public function recv(float $timeout = 0): \Swoole\WebSocket\Frame|string|false {}

        /** Coroutine HTTP server: close the connection. */
        public function close(): bool {}

        /** Coroutine HTTP server: send a WebSocket close frame and close the connection. */
        public function disconnect(int $code = \SWOOLE_WEBSOCKET_CLOSE_NORMAL, string $reason = ''): bool {}
    }
}

namespace Swoole\WebSocket {

    /**
     * WebSocket server (RFC 6455, permessage-deflate): handshakes HTTP upgrade requests, calls on('open') and
     * on('message') (required), and serves plain HTTP through on('request').
     */
    class Server extends \Swoole\Http\Server
    {
        /**
         * Send a WebSocket message to a client.
         * @param int $fd Connection id of an established WebSocket connection.
         * @param \Swoole\WebSocket\Frame|string $data Payload, or a Frame/CloseFrame (its opcode and flags are used).
         * @param int $opcode WEBSOCKET_OPCODE_TEXT, WEBSOCKET_OPCODE_BINARY, ...
         * @param int $flags SWOOLE_WEBSOCKET_FLAG_* bits; SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS to compress.
         * @return bool False (with a warning) if the connection does not exist, is not WebSocket, or its output buffer is full.
         */
        public function push(int $fd, \Swoole\WebSocket\Frame|string $data, int $opcode = \WEBSOCKET_OPCODE_TEXT, int $flags = \SWOOLE_WEBSOCKET_FLAG_FIN): bool {}

        /**
         * swoole-rs extension (not in Swoole): send one message to every established
         * WebSocket connection of the server, in every worker, framed once; with the
         * `cluster` setting, to every connection of every node too.
         * @param string $data Payload.
         * @param int $opcode WEBSOCKET_OPCODE_TEXT or WEBSOCKET_OPCODE_BINARY.
         * @param int[] $exclude Connection ids (fds) of this node that do not get it.
         * @return bool False if the opcode is invalid, another process could not be reached, or
         *              (with a warning) the cluster bus is down: then only this node got it.
         */
        public function broadcast(string $data, int $opcode = \WEBSOCKET_OPCODE_TEXT, array $exclude = []): bool {}

        /**
         * swoole-rs extension (not in Swoole): put a WebSocket connection in a room. Rooms are
         * shared by every worker of the server; a connection leaves all its rooms when it closes.
         * @param int $fd Connection id of an established WebSocket connection (any worker's).
         * @param string $room Room name, 1 to 255 bytes.
         * @return bool True when $fd is in the room (also if it already was); false with a warning
         *              if $fd is not an open WebSocket connection, the name is invalid, or
         *              `room_capacity` memberships exist.
         */
        public function join(int $fd, string $room): bool {}

        /**
         * swoole-rs extension (not in Swoole): take a connection out of a room.
         * @param int $fd Connection id.
         * @param string $room Room name.
         * @return bool False when $fd was not in the room.
         */
        public function leave(int $fd, string $room): bool {}

        /**
         * swoole-rs extension (not in Swoole): send a message to every member of a room, on every
         * worker and, with the `cluster` setting, on every node; framed once.
         * @param string $room Room name, 1 to 255 bytes.
         * @param string $data Payload.
         * @param int $opcode WEBSOCKET_OPCODE_TEXT or WEBSOCKET_OPCODE_BINARY.
         * @return bool False if the room name or opcode is invalid, or (with a warning) the cluster
         *              bus is down: then only this node's members got it.
         */
        public function publish(string $room, string $data, int $opcode = \WEBSOCKET_OPCODE_TEXT): bool {}

        /**
         * swoole-rs extension (not in Swoole): the rooms a connection is in.
         * @param int $fd Connection id.
         * @return array|false Room names in the order $fd joined them; false if the server is not running.
         */
        public function rooms(int $fd): array|false {}

        /**
         * swoole-rs extension (not in Swoole): the members of a room on this node (every worker's).
         * @param string $room Room name.
         * @return array|false Connection ids in the order they joined; false if the server is not running.
         */
        public function members(string $room): array|false {}

        /**
         * Send a close frame with $code and $reason, then close the connection (onClose runs with $reactorId = -1).
         * @param string $reason At most 125 bytes.
         */
        public function disconnect(int $fd, int $code = \SWOOLE_WEBSOCKET_CLOSE_NORMAL, string $reason = ''): bool {}

        /** Send a ping frame to a client (its pong is dropped unless open_websocket_pong_frame is set). */
        public function ping(int $fd, string $data = ''): bool {}

        /** Whether $fd is an open connection whose WebSocket handshake has completed. */
        public function isEstablished(int $fd): bool {}

        /**
         * Encode a WebSocket frame (server side, unmasked unless SWOOLE_WEBSOCKET_FLAG_MASK is set).
         * @param \Swoole\WebSocket\Frame|string $data
         * @return string The frame bytes ('' on error, e.g. an opcode above 10).
         */
        public static function pack(\Swoole\WebSocket\Frame|string $data, int $opcode = \WEBSOCKET_OPCODE_TEXT, int $flags = \SWOOLE_WEBSOCKET_FLAG_FIN): string {}

        /**
         * Decode one WebSocket frame from bytes (unmasks and inflates as needed).
         * @return \Swoole\WebSocket\Frame A Frame, or a CloseFrame for a close frame. Despite the declared type, returns false
         *         when the data is not a complete valid frame (swoole_last_error() is then 508).
         */
        public static function unpack(string $data): \Swoole\WebSocket\Frame {}
    }

    /**
     * A WebSocket message, as received in on('message') or built to push(). (string)$frame gives its encoded bytes.
     */
    class Frame implements \Stringable
    {
        /** @var int Connection id the frame came from (0 for frames you build). */
        public $fd = 0;
        /** @var string Payload (a fragmented message is delivered whole). */
        public $data = '';
        /** @var int Opcode: WEBSOCKET_OPCODE_TEXT, _BINARY, _CLOSE, _PING or _PONG. */
        public $opcode = 1;
        /** @var int SWOOLE_WEBSOCKET_FLAG_* bits (33 = FIN | MASK for a normal client frame). */
        public $flags = 1;
        /** @var bool|null Whether this is the final fragment (true for received messages; null for new frames). */
        public $finish = null;

        /** The frame encoded as WebSocket bytes, as pack() would produce. */
        public function __toString(): string {}

        /**
         * Encode a WebSocket frame; same as \Swoole\WebSocket\Server::pack().
         * @param \Swoole\WebSocket\Frame|string $data
         */
        public static function pack(\Swoole\WebSocket\Frame|string $data, int $opcode = \WEBSOCKET_OPCODE_TEXT, int $flags = \SWOOLE_WEBSOCKET_FLAG_FIN): string {}

        /**
         * Decode one WebSocket frame; same as \Swoole\WebSocket\Server::unpack().
         * @return \Swoole\WebSocket\Frame
         */
        public static function unpack(string $data): \Swoole\WebSocket\Frame {}
    }

    /**
     * A close frame: received in on('message') when open_websocket_close_frame is set, or pushed to send a close frame.
     */
    class CloseFrame extends Frame
    {
        /** @var int Always WEBSOCKET_OPCODE_CLOSE (8). */
        public $opcode = 8;
        /** @var int Close status code (1000 when the peer sent none). */
        public $code = 1000;
        /** @var string Close reason (UTF-8 text; keep it short, Swoole refuses more than 125 bytes). */
        public $reason = '';
    }
}

namespace {

    // ---- Constants (values as in Swoole 6.2.2) ----

    /** Swoole API version implemented by swoole-rs, as a string ("6.2.2"); `php --ri swoole` also shows the swoole-rs version. */
    const SWOOLE_VERSION = '6.2.2';
    /** Swoole API version as an integer (major*10000 + minor*100 + release), for version_compare-free checks. */
    const SWOOLE_VERSION_ID = 60202;
    /** Major part of SWOOLE_VERSION. */
    const SWOOLE_MAJOR_VERSION = 6;
    /** Minor part of SWOOLE_VERSION. */
    const SWOOLE_MINOR_VERSION = 2;
    /** Release (patch) part of SWOOLE_VERSION. */
    const SWOOLE_RELEASE_VERSION = 2;
    /** Pre-release suffix of SWOOLE_VERSION (empty for a stable release). */
    const SWOOLE_EXTRA_VERSION = '';
    /** True when the extension is a debug build. */
    const SWOOLE_DEBUG = false;
    /** True when HTTP/WebSocket compression (permessage-deflate, gzip) is available. */
    const SWOOLE_HAVE_COMPRESSION = true;
    /** True when zlib (deflate/gzip) support is compiled in. */
    const SWOOLE_HAVE_ZLIB = true;
    /** True when brotli support is compiled in (http_compression answers `br` first). */
    const SWOOLE_HAVE_BROTLI = true;
    /** True when HTTP/2 support is compiled in. */
    const SWOOLE_USE_HTTP2 = true;
    /** True when short class names (Co\..., Chan) are enabled (ini swoole.use_shortname). */
    const SWOOLE_USE_SHORTNAME = true;
    /** Socket type: TCP over IPv4 (the default for servers and listen()). */
    const SWOOLE_SOCK_TCP = 1;
    /** Socket type: TCP over IPv6. */
    const SWOOLE_SOCK_TCP6 = 3;
    /** Socket type: UDP over IPv4. */
    const SWOOLE_SOCK_UDP = 2;
    /** Socket type: UDP over IPv6. */
    const SWOOLE_SOCK_UDP6 = 4;
    /** Socket type: Unix domain datagram socket. */
    const SWOOLE_SOCK_UNIX_DGRAM = 6;
    /** Socket type: Unix domain stream socket. */
    const SWOOLE_SOCK_UNIX_STREAM = 5;
    /** Socket type: raw IPv4 socket. */
    const SWOOLE_SOCK_RAW = 7;
    /** Socket type: raw IPv6 socket. */
    const SWOOLE_SOCK_RAW6 = 8;
    /** Short alias of SWOOLE_SOCK_TCP. */
    const SWOOLE_TCP = 1;
    /** Short alias of SWOOLE_SOCK_TCP6. */
    const SWOOLE_TCP6 = 3;
    /** Short alias of SWOOLE_SOCK_UDP. */
    const SWOOLE_UDP = 2;
    /** Short alias of SWOOLE_SOCK_UDP6. */
    const SWOOLE_UDP6 = 4;
    /** Short alias of SWOOLE_SOCK_UNIX_DGRAM. */
    const SWOOLE_UNIX_DGRAM = 6;
    /** Short alias of SWOOLE_SOCK_UNIX_STREAM. */
    const SWOOLE_UNIX_STREAM = 5;
    /** Short alias of SWOOLE_SOCK_RAW. */
    const SWOOLE_RAW = 7;
    /** Short alias of SWOOLE_SOCK_RAW6. */
    const SWOOLE_RAW6 = 8;
    /** Legacy client flag: synchronous (blocking) client. */
    const SWOOLE_SOCK_SYNC = false;
    /** Legacy client flag: asynchronous client. */
    const SWOOLE_SOCK_ASYNC = true;
    /** Flag OR-ed into a socket type to enable TLS on a listener (e.g. SWOOLE_SOCK_TCP | SWOOLE_SSL for wss://). */
    const SWOOLE_SSL = 512;
    /** Bit for the `ssl_protocols` setting: allow TLS 1.0. */
    const SWOOLE_SSL_TLSv1 = 8;
    /** Bit for the `ssl_protocols` setting: allow TLS 1.1. */
    const SWOOLE_SSL_TLSv1_1 = 16;
    /** Bit for the `ssl_protocols` setting: allow TLS 1.2. */
    const SWOOLE_SSL_TLSv1_2 = 32;
    /** Bit for the `ssl_protocols` setting: allow TLS 1.3. */
    const SWOOLE_SSL_TLSv1_3 = 64;
    /** Bit for the `ssl_protocols` setting: allow DTLS. */
    const SWOOLE_SSL_DTLS = 128;
    /** Bit for the `ssl_protocols` setting: allow SSLv2 (obsolete, insecure). */
    const SWOOLE_SSL_SSLv2 = 2;
    /** Swoole\Event::add() flag: call the read callback when the fd is readable. */
    const SWOOLE_EVENT_READ = 512;
    /** Swoole\Event::add() flag: call the write callback when the fd is writable. */
    const SWOOLE_EVENT_WRITE = 1024;
    /** swoole_strerror() error type: a system errno (strerror()). */
    const SWOOLE_STRERROR_SYSTEM = 0;
    /** swoole_strerror() error type: a getaddrinfo() error code. */
    const SWOOLE_STRERROR_GAI = 1;
    /** swoole_strerror() error type: a DNS resolver error code. */
    const SWOOLE_STRERROR_DNS = 2;
    /** swoole_strerror() error type: a Swoole error code (SWOOLE_ERROR_*). */
    const SWOOLE_STRERROR_SWOOLE = 9;
    /** Error code 501 (swoole_last_error(), getLastError()): memory allocation failed. */
    const SWOOLE_ERROR_MALLOC_FAIL = 501;
    /** Error code 502 (swoole_last_error(), getLastError()): a system call failed. */
    const SWOOLE_ERROR_SYSTEM_CALL_FAIL = 502;
    /** Error code 503 (swoole_last_error(), getLastError()): PHP error raised by the extension (also set after a warning). */
    const SWOOLE_ERROR_PHP_FATAL_ERROR = 503;
    /** Error code 504 (swoole_last_error(), getLastError()): name too long. */
    const SWOOLE_ERROR_NAME_TOO_LONG = 504;
    /** Error code 505 (swoole_last_error(), getLastError()): invalid params. */
    const SWOOLE_ERROR_INVALID_PARAMS = 505;
    /** Error code 506 (swoole_last_error(), getLastError()): queue full. */
    const SWOOLE_ERROR_QUEUE_FULL = 506;
    /** Error code 507 (swoole_last_error(), getLastError()): operation not support. */
    const SWOOLE_ERROR_OPERATION_NOT_SUPPORT = 507;
    /** Error code 508 (swoole_last_error(), getLastError()): malformed protocol data. */
    const SWOOLE_ERROR_PROTOCOL_ERROR = 508;
    /** Error code 509 (swoole_last_error(), getLastError()): wrong operation. */
    const SWOOLE_ERROR_WRONG_OPERATION = 509;
    /** Error code 510 (swoole_last_error(), getLastError()): php runtime notice. */
    const SWOOLE_ERROR_PHP_RUNTIME_NOTICE = 510;
    /** Error code 511 (swoole_last_error(), getLastError()): for test. */
    const SWOOLE_ERROR_FOR_TEST = 511;
    /** Error code 550 (swoole_last_error(), getLastError()): no payload. */
    const SWOOLE_ERROR_NO_PAYLOAD = 550;
    /** Error code 600 (swoole_last_error(), getLastError()): undefined behavior. */
    const SWOOLE_ERROR_UNDEFINED_BEHAVIOR = 600;
    /** Error code 601 (swoole_last_error(), getLastError()): not thread safety. */
    const SWOOLE_ERROR_NOT_THREAD_SAFETY = 601;
    /** Error code 700 (swoole_last_error(), getLastError()): file not exist. */
    const SWOOLE_ERROR_FILE_NOT_EXIST = 700;
    /** Error code 701 (swoole_last_error(), getLastError()): file too large. */
    const SWOOLE_ERROR_FILE_TOO_LARGE = 701;
    /** Error code 702 (swoole_last_error(), getLastError()): file empty. */
    const SWOOLE_ERROR_FILE_EMPTY = 702;
    /** Error code 703 (swoole_last_error(), getLastError()): dir not exist. */
    const SWOOLE_ERROR_DIR_NOT_EXIST = 703;
    /** Error code 710 (swoole_last_error(), getLastError()): dnslookup duplicate request. */
    const SWOOLE_ERROR_DNSLOOKUP_DUPLICATE_REQUEST = 710;
    /** Error code 711 (swoole_last_error(), getLastError()): dnslookup resolve failed. */
    const SWOOLE_ERROR_DNSLOOKUP_RESOLVE_FAILED = 711;
    /** Error code 712 (swoole_last_error(), getLastError()): dnslookup resolve timeout. */
    const SWOOLE_ERROR_DNSLOOKUP_RESOLVE_TIMEOUT = 712;
    /** Error code 713 (swoole_last_error(), getLastError()): dnslookup unsupported. */
    const SWOOLE_ERROR_DNSLOOKUP_UNSUPPORTED = 713;
    /** Error code 714 (swoole_last_error(), getLastError()): dnslookup no server. */
    const SWOOLE_ERROR_DNSLOOKUP_NO_SERVER = 714;
    /** Error code 720 (swoole_last_error(), getLastError()): bad ipv6 address. */
    const SWOOLE_ERROR_BAD_IPV6_ADDRESS = 720;
    /** Error code 721 (swoole_last_error(), getLastError()): unregistered signal. */
    const SWOOLE_ERROR_UNREGISTERED_SIGNAL = 721;
    /** Error code 722 (swoole_last_error(), getLastError()): bad host addr. */
    const SWOOLE_ERROR_BAD_HOST_ADDR = 722;
    /** Error code 723 (swoole_last_error(), getLastError()): bad port. */
    const SWOOLE_ERROR_BAD_PORT = 723;
    /** Error code 724 (swoole_last_error(), getLastError()): bad socket type. */
    const SWOOLE_ERROR_BAD_SOCKET_TYPE = 724;
    /** Error code 800 (swoole_last_error(), getLastError()): event remove failed. */
    const SWOOLE_ERROR_EVENT_REMOVE_FAILED = 800;
    /** Error code 801 (swoole_last_error(), getLastError()): event add failed. */
    const SWOOLE_ERROR_EVENT_ADD_FAILED = 801;
    /** Error code 802 (swoole_last_error(), getLastError()): event update failed. */
    const SWOOLE_ERROR_EVENT_UPDATE_FAILED = 802;
    /** Error code 803 (swoole_last_error(), getLastError()): event unknown data. */
    const SWOOLE_ERROR_EVENT_UNKNOWN_DATA = 803;
    /** Error code 1001 (swoole_last_error(), getLastError()): the connection was closed by the server. */
    const SWOOLE_ERROR_SESSION_CLOSED_BY_SERVER = 1001;
    /** Error code 1002 (swoole_last_error(), getLastError()): the connection was closed by the client. */
    const SWOOLE_ERROR_SESSION_CLOSED_BY_CLIENT = 1002;
    /** Error code 1003 (swoole_last_error(), getLastError()): the connection is closing. */
    const SWOOLE_ERROR_SESSION_CLOSING = 1003;
    /** Error code 1004 (swoole_last_error(), getLastError()): the connection is already closed. */
    const SWOOLE_ERROR_SESSION_CLOSED = 1004;
    /** Error code 1005 (swoole_last_error(), getLastError()): no connection with this fd (session id) exists. */
    const SWOOLE_ERROR_SESSION_NOT_EXIST = 1005;
    /** Error code 1006 (swoole_last_error(), getLastError()): the session id is invalid. */
    const SWOOLE_ERROR_SESSION_INVALID_ID = 1006;
    /** Error code 1007 (swoole_last_error(), getLastError()): session discard timeout data. */
    const SWOOLE_ERROR_SESSION_DISCARD_TIMEOUT_DATA = 1007;
    /** Error code 1008 (swoole_last_error(), getLastError()): session discard data. */
    const SWOOLE_ERROR_SESSION_DISCARD_DATA = 1008;
    /** Error code 1009 (swoole_last_error(), getLastError()): the connection's output buffer is full (`buffer_output_size`). */
    const SWOOLE_ERROR_OUTPUT_BUFFER_OVERFLOW = 1009;
    /** Error code 1010 (swoole_last_error(), getLastError()): output send yield. */
    const SWOOLE_ERROR_OUTPUT_SEND_YIELD = 1010;
    /** Error code 1011 (swoole_last_error(), getLastError()): ssl not ready. */
    const SWOOLE_ERROR_SSL_NOT_READY = 1011;
    /** Error code 1012 (swoole_last_error(), getLastError()): ssl cannot use senfile. */
    const SWOOLE_ERROR_SSL_CANNOT_USE_SENFILE = 1012;
    /** Error code 1013 (swoole_last_error(), getLastError()): ssl empty peer certificate. */
    const SWOOLE_ERROR_SSL_EMPTY_PEER_CERTIFICATE = 1013;
    /** Error code 1014 (swoole_last_error(), getLastError()): ssl verify failed. */
    const SWOOLE_ERROR_SSL_VERIFY_FAILED = 1014;
    /** Error code 1015 (swoole_last_error(), getLastError()): ssl bad client. */
    const SWOOLE_ERROR_SSL_BAD_CLIENT = 1015;
    /** Error code 1016 (swoole_last_error(), getLastError()): ssl bad protocol. */
    const SWOOLE_ERROR_SSL_BAD_PROTOCOL = 1016;
    /** Error code 1017 (swoole_last_error(), getLastError()): ssl reset. */
    const SWOOLE_ERROR_SSL_RESET = 1017;
    /** Error code 1018 (swoole_last_error(), getLastError()): ssl handshake failed. */
    const SWOOLE_ERROR_SSL_HANDSHAKE_FAILED = 1018;
    /** Error code 1019 (swoole_last_error(), getLastError()): ssl create context failed. */
    const SWOOLE_ERROR_SSL_CREATE_CONTEXT_FAILED = 1019;
    /** Error code 1020 (swoole_last_error(), getLastError()): ssl create session failed. */
    const SWOOLE_ERROR_SSL_CREATE_SESSION_FAILED = 1020;
    /** Error code 1201 (swoole_last_error(), getLastError()): a received message is larger than `package_max_length`. */
    const SWOOLE_ERROR_PACKAGE_LENGTH_TOO_LARGE = 1201;
    /** Error code 1202 (swoole_last_error(), getLastError()): package length not found. */
    const SWOOLE_ERROR_PACKAGE_LENGTH_NOT_FOUND = 1202;
    /** Error code 1203 (swoole_last_error(), getLastError()): data length too large. */
    const SWOOLE_ERROR_DATA_LENGTH_TOO_LARGE = 1203;
    /** Error code 1204 (swoole_last_error(), getLastError()): package malformed data. */
    const SWOOLE_ERROR_PACKAGE_MALFORMED_DATA = 1204;
    /** Error code 2001 (swoole_last_error(), getLastError()): the task payload is too big. */
    const SWOOLE_ERROR_TASK_PACKAGE_TOO_BIG = 2001;
    /** Error code 2002 (swoole_last_error(), getLastError()): the task could not be dispatched. */
    const SWOOLE_ERROR_TASK_DISPATCH_FAIL = 2002;
    /** Error code 2003 (swoole_last_error(), getLastError()): waiting for the task result timed out. */
    const SWOOLE_ERROR_TASK_TIMEOUT = 2003;
    /** Error code 3001 (swoole_last_error(), getLastError()): http2 stream id too big. */
    const SWOOLE_ERROR_HTTP2_STREAM_ID_TOO_BIG = 3001;
    /** Error code 3002 (swoole_last_error(), getLastError()): http2 stream no header. */
    const SWOOLE_ERROR_HTTP2_STREAM_NO_HEADER = 3002;
    /** Error code 3003 (swoole_last_error(), getLastError()): http2 stream not found. */
    const SWOOLE_ERROR_HTTP2_STREAM_NOT_FOUND = 3003;
    /** Error code 3004 (swoole_last_error(), getLastError()): http2 stream ignore. */
    const SWOOLE_ERROR_HTTP2_STREAM_IGNORE = 3004;
    /** Error code 3005 (swoole_last_error(), getLastError()): http2 send control frame failed. */
    const SWOOLE_ERROR_HTTP2_SEND_CONTROL_FRAME_FAILED = 3005;
    /** Error code 3006 (swoole_last_error(), getLastError()): http2 internal error. */
    const SWOOLE_ERROR_HTTP2_INTERNAL_ERROR = 3006;
    /** Error code 4001 (swoole_last_error(), getLastError()): aio bad request. */
    const SWOOLE_ERROR_AIO_BAD_REQUEST = 4001;
    /** Error code 4002 (swoole_last_error(), getLastError()): aio canceled. */
    const SWOOLE_ERROR_AIO_CANCELED = 4002;
    /** Error code 4003 (swoole_last_error(), getLastError()): aio timeout. */
    const SWOOLE_ERROR_AIO_TIMEOUT = 4003;
    /** Error code 5001 (swoole_last_error(), getLastError()): client no connection. */
    const SWOOLE_ERROR_CLIENT_NO_CONNECTION = 5001;
    /** Error code 6001 (swoole_last_error(), getLastError()): socket closed. */
    const SWOOLE_ERROR_SOCKET_CLOSED = 6001;
    /** Error code 6002 (swoole_last_error(), getLastError()): socket poll timeout. */
    const SWOOLE_ERROR_SOCKET_POLL_TIMEOUT = 6002;
    /** Error code 6003 (swoole_last_error(), getLastError()): socket not exists. */
    const SWOOLE_ERROR_SOCKET_NOT_EXISTS = 6003;
    /** Error code 7001 (swoole_last_error(), getLastError()): socks5 unsupport version. */
    const SWOOLE_ERROR_SOCKS5_UNSUPPORT_VERSION = 7001;
    /** Error code 7002 (swoole_last_error(), getLastError()): socks5 unsupport method. */
    const SWOOLE_ERROR_SOCKS5_UNSUPPORT_METHOD = 7002;
    /** Error code 7003 (swoole_last_error(), getLastError()): socks5 auth failed. */
    const SWOOLE_ERROR_SOCKS5_AUTH_FAILED = 7003;
    /** Error code 7004 (swoole_last_error(), getLastError()): socks5 server error. */
    const SWOOLE_ERROR_SOCKS5_SERVER_ERROR = 7004;
    /** Error code 7005 (swoole_last_error(), getLastError()): socks5 handshake failed. */
    const SWOOLE_ERROR_SOCKS5_HANDSHAKE_FAILED = 7005;
    /** Error code 7006 (swoole_last_error(), getLastError()): socks5 connect failed. */
    const SWOOLE_ERROR_SOCKS5_CONNECT_FAILED = 7006;
    /** Error code 7101 (swoole_last_error(), getLastError()): http proxy handshake error. */
    const SWOOLE_ERROR_HTTP_PROXY_HANDSHAKE_ERROR = 7101;
    /** Error code 7102 (swoole_last_error(), getLastError()): http invalid protocol. */
    const SWOOLE_ERROR_HTTP_INVALID_PROTOCOL = 7102;
    /** Error code 7103 (swoole_last_error(), getLastError()): http proxy handshake failed. */
    const SWOOLE_ERROR_HTTP_PROXY_HANDSHAKE_FAILED = 7103;
    /** Error code 7104 (swoole_last_error(), getLastError()): http proxy bad response. */
    const SWOOLE_ERROR_HTTP_PROXY_BAD_RESPONSE = 7104;
    /** Error code 7105 (swoole_last_error(), getLastError()): http conflict header. */
    const SWOOLE_ERROR_HTTP_CONFLICT_HEADER = 7105;
    /** Error code 7106 (swoole_last_error(), getLastError()): http context unavailable. */
    const SWOOLE_ERROR_HTTP_CONTEXT_UNAVAILABLE = 7106;
    /** Error code 7107 (swoole_last_error(), getLastError()): http cookie unavailable. */
    const SWOOLE_ERROR_HTTP_COOKIE_UNAVAILABLE = 7107;
    /** Error code 8501 (swoole_last_error(), getLastError()): the client is not a valid WebSocket client. */
    const SWOOLE_ERROR_WEBSOCKET_BAD_CLIENT = 8501;
    /** Error code 8502 (swoole_last_error(), getLastError()): invalid WebSocket opcode. */
    const SWOOLE_ERROR_WEBSOCKET_BAD_OPCODE = 8502;
    /** Error code 8503 (swoole_last_error(), getLastError()): the connection is not an established WebSocket connection. */
    const SWOOLE_ERROR_WEBSOCKET_UNCONNECTED = 8503;
    /** Error code 8504 (swoole_last_error(), getLastError()): the WebSocket handshake failed. */
    const SWOOLE_ERROR_WEBSOCKET_HANDSHAKE_FAILED = 8504;
    /** Error code 8505 (swoole_last_error(), getLastError()): a WebSocket frame could not be encoded. */
    const SWOOLE_ERROR_WEBSOCKET_PACK_FAILED = 8505;
    /** Error code 8506 (swoole_last_error(), getLastError()): a WebSocket frame could not be decoded. */
    const SWOOLE_ERROR_WEBSOCKET_UNPACK_FAILED = 8506;
    /** Error code 8507 (swoole_last_error(), getLastError()): the data does not hold a complete WebSocket frame. */
    const SWOOLE_ERROR_WEBSOCKET_INCOMPLETE_PACKET = 8507;
    /** Error code 9001 (swoole_last_error(), getLastError()): server must created before client. */
    const SWOOLE_ERROR_SERVER_MUST_CREATED_BEFORE_CLIENT = 9001;
    /** Error code 9002 (swoole_last_error(), getLastError()): server too many socket. */
    const SWOOLE_ERROR_SERVER_TOO_MANY_SOCKET = 9002;
    /** Error code 9003 (swoole_last_error(), getLastError()): the worker process terminated. */
    const SWOOLE_ERROR_SERVER_WORKER_TERMINATED = 9003;
    /** Error code 9004 (swoole_last_error(), getLastError()): server invalid listen port. */
    const SWOOLE_ERROR_SERVER_INVALID_LISTEN_PORT = 9004;
    /** Error code 9005 (swoole_last_error(), getLastError()): server too many listen port. */
    const SWOOLE_ERROR_SERVER_TOO_MANY_LISTEN_PORT = 9005;
    /** Error code 9006 (swoole_last_error(), getLastError()): the pipe to the worker is full. */
    const SWOOLE_ERROR_SERVER_PIPE_BUFFER_FULL = 9006;
    /** Error code 9007 (swoole_last_error(), getLastError()): no idle worker is available. */
    const SWOOLE_ERROR_SERVER_NO_IDLE_WORKER = 9007;
    /** Error code 9008 (swoole_last_error(), getLastError()): only one server can be started per process. */
    const SWOOLE_ERROR_SERVER_ONLY_START_ONE = 9008;
    /** Error code 9009 (swoole_last_error(), getLastError()): send() was called in the master process. */
    const SWOOLE_ERROR_SERVER_SEND_IN_MASTER = 9009;
    /** Error code 9010 (swoole_last_error(), getLastError()): server invalid request. */
    const SWOOLE_ERROR_SERVER_INVALID_REQUEST = 9010;
    /** Error code 9011 (swoole_last_error(), getLastError()): server connect fail. */
    const SWOOLE_ERROR_SERVER_CONNECT_FAIL = 9011;
    /** Error code 9012 (swoole_last_error(), getLastError()): server invalid command. */
    const SWOOLE_ERROR_SERVER_INVALID_COMMAND = 9012;
    /** Error code 9013 (swoole_last_error(), getLastError()): sendfile() target is not a regular file. */
    const SWOOLE_ERROR_SERVER_IS_NOT_REGULAR_FILE = 9013;
    /** Error code 9014 (swoole_last_error(), getLastError()): sending to a worker timed out. */
    const SWOOLE_ERROR_SERVER_SEND_TO_WOKER_TIMEOUT = 9014;
    /** Error code 9015 (swoole_last_error(), getLastError()): a required or given event callback is invalid. */
    const SWOOLE_ERROR_SERVER_INVALID_CALLBACK = 9015;
    /** Error code 9016 (swoole_last_error(), getLastError()): server unrelated thread. */
    const SWOOLE_ERROR_SERVER_UNRELATED_THREAD = 9016;
    /** Error code 9101 (swoole_last_error(), getLastError()): server worker exit timeout. */
    const SWOOLE_ERROR_SERVER_WORKER_EXIT_TIMEOUT = 9101;
    /** Error code 9102 (swoole_last_error(), getLastError()): server worker abnormal pipe data. */
    const SWOOLE_ERROR_SERVER_WORKER_ABNORMAL_PIPE_DATA = 9102;
    /** Error code 9103 (swoole_last_error(), getLastError()): server worker unprocessed data. */
    const SWOOLE_ERROR_SERVER_WORKER_UNPROCESSED_DATA = 9103;
    /** Error code 10001 (swoole_last_error(), getLastError()): co out of coroutine. */
    const SWOOLE_ERROR_CO_OUT_OF_COROUTINE = 10001;
    /** Error code 10002 (swoole_last_error(), getLastError()): co has been bound. */
    const SWOOLE_ERROR_CO_HAS_BEEN_BOUND = 10002;
    /** Error code 10003 (swoole_last_error(), getLastError()): co has been discarded. */
    const SWOOLE_ERROR_CO_HAS_BEEN_DISCARDED = 10003;
    /** Error code 10004 (swoole_last_error(), getLastError()): co mutex double unlock. */
    const SWOOLE_ERROR_CO_MUTEX_DOUBLE_UNLOCK = 10004;
    /** Error code 10005 (swoole_last_error(), getLastError()): co block object locked. */
    const SWOOLE_ERROR_CO_BLOCK_OBJECT_LOCKED = 10005;
    /** Error code 10006 (swoole_last_error(), getLastError()): co block object waiting. */
    const SWOOLE_ERROR_CO_BLOCK_OBJECT_WAITING = 10006;
    /** Error code 10007 (swoole_last_error(), getLastError()): co yield failed. */
    const SWOOLE_ERROR_CO_YIELD_FAILED = 10007;
    /** Error code 10008 (swoole_last_error(), getLastError()): co getcontext failed. */
    const SWOOLE_ERROR_CO_GETCONTEXT_FAILED = 10008;
    /** Error code 10009 (swoole_last_error(), getLastError()): co swapcontext failed. */
    const SWOOLE_ERROR_CO_SWAPCONTEXT_FAILED = 10009;
    /** Error code 10010 (swoole_last_error(), getLastError()): co makecontext failed. */
    const SWOOLE_ERROR_CO_MAKECONTEXT_FAILED = 10010;
    /** Error code 10011 (swoole_last_error(), getLastError()): co iocpinit failed. */
    const SWOOLE_ERROR_CO_IOCPINIT_FAILED = 10011;
    /** Error code 10012 (swoole_last_error(), getLastError()): co protect stack failed. */
    const SWOOLE_ERROR_CO_PROTECT_STACK_FAILED = 10012;
    /** Error code 10013 (swoole_last_error(), getLastError()): co std thread link error. */
    const SWOOLE_ERROR_CO_STD_THREAD_LINK_ERROR = 10013;
    /** Error code 10014 (swoole_last_error(), getLastError()): co disabled multi thread. */
    const SWOOLE_ERROR_CO_DISABLED_MULTI_THREAD = 10014;
    /** Error code 10015 (swoole_last_error(), getLastError()): co cannot cancel. */
    const SWOOLE_ERROR_CO_CANNOT_CANCEL = 10015;
    /** Error code 10016 (swoole_last_error(), getLastError()): co not exists. */
    const SWOOLE_ERROR_CO_NOT_EXISTS = 10016;
    /** Error code 10017 (swoole_last_error(), getLastError()): co canceled. */
    const SWOOLE_ERROR_CO_CANCELED = 10017;
    /** Error code 10018 (swoole_last_error(), getLastError()): co timedout. */
    const SWOOLE_ERROR_CO_TIMEDOUT = 10018;
    /** Error code 10019 (swoole_last_error(), getLastError()): co socket close wait. */
    const SWOOLE_ERROR_CO_SOCKET_CLOSE_WAIT = 10019;
    /** `trace_flags` bit: trace server (debug builds only). */
    const SWOOLE_TRACE_SERVER = 2;
    /** `trace_flags` bit: trace client (debug builds only). */
    const SWOOLE_TRACE_CLIENT = 4;
    /** `trace_flags` bit: trace buffer (debug builds only). */
    const SWOOLE_TRACE_BUFFER = 8;
    /** `trace_flags` bit: trace conn (debug builds only). */
    const SWOOLE_TRACE_CONN = 16;
    /** `trace_flags` bit: trace event (debug builds only). */
    const SWOOLE_TRACE_EVENT = 32;
    /** `trace_flags` bit: trace worker (debug builds only). */
    const SWOOLE_TRACE_WORKER = 64;
    /** `trace_flags` bit: trace memory (debug builds only). */
    const SWOOLE_TRACE_MEMORY = 128;
    /** `trace_flags` bit: trace reactor (debug builds only). */
    const SWOOLE_TRACE_REACTOR = 256;
    /** `trace_flags` bit: trace php (debug builds only). */
    const SWOOLE_TRACE_PHP = 512;
    /** `trace_flags` bit: trace http (debug builds only). */
    const SWOOLE_TRACE_HTTP = 1024;
    /** `trace_flags` bit: trace http2 (debug builds only). */
    const SWOOLE_TRACE_HTTP2 = 2048;
    /** `trace_flags` bit: trace eof protocol (debug builds only). */
    const SWOOLE_TRACE_EOF_PROTOCOL = 4096;
    /** `trace_flags` bit: trace length protocol (debug builds only). */
    const SWOOLE_TRACE_LENGTH_PROTOCOL = 8192;
    /** `trace_flags` bit: trace close (debug builds only). */
    const SWOOLE_TRACE_CLOSE = 16384;
    /** `trace_flags` bit: trace websocket (debug builds only). */
    const SWOOLE_TRACE_WEBSOCKET = 32768;
    /** `trace_flags` bit: trace redis client (debug builds only). */
    const SWOOLE_TRACE_REDIS_CLIENT = 65536;
    /** `trace_flags` bit: trace mysql client (debug builds only). */
    const SWOOLE_TRACE_MYSQL_CLIENT = 131072;
    /** `trace_flags` bit: trace http client (debug builds only). */
    const SWOOLE_TRACE_HTTP_CLIENT = 262144;
    /** `trace_flags` bit: trace aio (debug builds only). */
    const SWOOLE_TRACE_AIO = 524288;
    /** `trace_flags` bit: trace ssl (debug builds only). */
    const SWOOLE_TRACE_SSL = 1048576;
    /** `trace_flags` bit: trace normal (debug builds only). */
    const SWOOLE_TRACE_NORMAL = 2097152;
    /** `trace_flags` bit: trace channel (debug builds only). */
    const SWOOLE_TRACE_CHANNEL = 4194304;
    /** `trace_flags` bit: trace timer (debug builds only). */
    const SWOOLE_TRACE_TIMER = 8388608;
    /** `trace_flags` bit: trace socket (debug builds only). */
    const SWOOLE_TRACE_SOCKET = 16777216;
    /** `trace_flags` bit: trace coroutine (debug builds only). */
    const SWOOLE_TRACE_COROUTINE = 33554432;
    /** `trace_flags` bit: trace context (debug builds only). */
    const SWOOLE_TRACE_CONTEXT = 67108864;
    /** `trace_flags` bit: trace co http server (debug builds only). */
    const SWOOLE_TRACE_CO_HTTP_SERVER = 134217728;
    /** `trace_flags` bit: trace table (debug builds only). */
    const SWOOLE_TRACE_TABLE = 268435456;
    /** `trace_flags` bit: trace co curl (debug builds only). */
    const SWOOLE_TRACE_CO_CURL = 536870912;
    /** `trace_flags` bit: trace cares (debug builds only). */
    const SWOOLE_TRACE_CARES = 1073741824;
    /** `trace_flags` bit: trace zlib (debug builds only). */
    const SWOOLE_TRACE_ZLIB = 2147483648;
    /** `trace_flags` bit: trace co pgsql (debug builds only). */
    const SWOOLE_TRACE_CO_PGSQL = 4294967296;
    /** `trace_flags` bit: trace co odbc (debug builds only). */
    const SWOOLE_TRACE_CO_ODBC = 8589934592;
    /** `trace_flags` bit: trace co oracle (debug builds only). */
    const SWOOLE_TRACE_CO_ORACLE = 17179869184;
    /** `trace_flags` bit: trace co sqlite (debug builds only). */
    const SWOOLE_TRACE_CO_SQLITE = 34359738368;
    /** `trace_flags` bit: trace co firebird (debug builds only). */
    const SWOOLE_TRACE_CO_FIREBIRD = 68719476736;
    /** `trace_flags` bit: trace co ssh2 (debug builds only). */
    const SWOOLE_TRACE_CO_SSH2 = 137438953472;
    /** `trace_flags` bit: trace thread (debug builds only). */
    const SWOOLE_TRACE_THREAD = 1099511627776;
    /** `trace_flags` bit: trace all (debug builds only). */
    const SWOOLE_TRACE_ALL = 9223372036854775807;
    /** `log_level`: debug messages and above. */
    const SWOOLE_LOG_DEBUG = 0;
    /** `log_level`: trace messages and above. */
    const SWOOLE_LOG_TRACE = 1;
    /** `log_level`: informational messages and above. */
    const SWOOLE_LOG_INFO = 2;
    /** `log_level`: notices and above. */
    const SWOOLE_LOG_NOTICE = 3;
    /** `log_level`: warnings and above. */
    const SWOOLE_LOG_WARNING = 4;
    /** `log_level`: errors only. */
    const SWOOLE_LOG_ERROR = 5;
    /** `log_level`: log nothing. */
    const SWOOLE_LOG_NONE = 6;
    /** `log_rotation`: one log file, never rotated. */
    const SWOOLE_LOG_ROTATION_SINGLE = 0;
    /** `log_rotation`: a new log file every month. */
    const SWOOLE_LOG_ROTATION_MONTHLY = 1;
    /** `log_rotation`: a new log file every day. */
    const SWOOLE_LOG_ROTATION_DAILY = 2;
    /** `log_rotation`: a new log file every hour. */
    const SWOOLE_LOG_ROTATION_HOURLY = 3;
    /** `log_rotation`: a new log file every minute. */
    const SWOOLE_LOG_ROTATION_EVERY_MINUTE = 4;
    /** Smallest timer interval in milliseconds accepted by tick()/after(). */
    const SWOOLE_TIMER_MIN_MS = 1;
    /** Smallest timer interval in seconds. */
    const SWOOLE_TIMER_MIN_SEC = 0.001;
    /** Largest timer interval in milliseconds. */
    const SWOOLE_TIMER_MAX_MS = 9223372036854775807;
    /** Largest timer interval in seconds. */
    const SWOOLE_TIMER_MAX_SEC = 9223372036854776.0;
    /** Legacy client type flag: synchronous client. */
    const SWOOLE_SYNC = 2048;
    /** Legacy client type flag: asynchronous client. */
    const SWOOLE_ASYNC = 1024;
    /** Legacy client type flag: keep the connection alive across requests. */
    const SWOOLE_KEEP = 4096;
    /** HTTP/2 frame type 0: DATA. */
    const SWOOLE_HTTP2_TYPE_DATA = 0;
    /** HTTP/2 frame type 1: HEADERS. */
    const SWOOLE_HTTP2_TYPE_HEADERS = 1;
    /** HTTP/2 frame type 2: PRIORITY. */
    const SWOOLE_HTTP2_TYPE_PRIORITY = 2;
    /** HTTP/2 frame type 3: RST_STREAM. */
    const SWOOLE_HTTP2_TYPE_RST_STREAM = 3;
    /** HTTP/2 frame type 4: SETTINGS. */
    const SWOOLE_HTTP2_TYPE_SETTINGS = 4;
    /** HTTP/2 frame type 5: PUSH_PROMISE. */
    const SWOOLE_HTTP2_TYPE_PUSH_PROMISE = 5;
    /** HTTP/2 frame type 6: PING. */
    const SWOOLE_HTTP2_TYPE_PING = 6;
    /** HTTP/2 frame type 7: GOAWAY. */
    const SWOOLE_HTTP2_TYPE_GOAWAY = 7;
    /** HTTP/2 frame type 8: WINDOW_UPDATE. */
    const SWOOLE_HTTP2_TYPE_WINDOW_UPDATE = 8;
    /** HTTP/2 frame type 9: CONTINUATION. */
    const SWOOLE_HTTP2_TYPE_CONTINUATION = 9;
    /** HTTP/2 error code 0: NO_ERROR (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_NO_ERROR = 0;
    /** HTTP/2 error code 1: PROTOCOL_ERROR (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_PROTOCOL_ERROR = 1;
    /** HTTP/2 error code 2: INTERNAL_ERROR (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_INTERNAL_ERROR = 2;
    /** HTTP/2 error code 3: FLOW_CONTROL_ERROR (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_FLOW_CONTROL_ERROR = 3;
    /** HTTP/2 error code 4: SETTINGS_TIMEOUT (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_SETTINGS_TIMEOUT = 4;
    /** HTTP/2 error code 5: STREAM_CLOSED (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_STREAM_CLOSED = 5;
    /** HTTP/2 error code 6: FRAME_SIZE_ERROR (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_FRAME_SIZE_ERROR = 6;
    /** HTTP/2 error code 7: REFUSED_STREAM (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_REFUSED_STREAM = 7;
    /** HTTP/2 error code 8: CANCEL (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_CANCEL = 8;
    /** HTTP/2 error code 9: COMPRESSION_ERROR (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_COMPRESSION_ERROR = 9;
    /** HTTP/2 error code 10: CONNECT_ERROR (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_CONNECT_ERROR = 10;
    /** HTTP/2 error code 11: ENHANCE_YOUR_CALM (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_ENHANCE_YOUR_CALM = 11;
    /** HTTP/2 error code 12: INADEQUATE_SECURITY (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_INADEQUATE_SECURITY = 12;
    /** HTTP/2 error code 13: HTTP_1_1_REQUIRED (for Response::goaway()). */
    const SWOOLE_HTTP2_ERROR_HTTP_1_1_REQUIRED = 13;
    /** Server mode: each worker process accepts and handles its own connections (Swoole 6 default). */
    const SWOOLE_BASE = 1;
    /** Server mode: the master process owns all connections and forwards events to worker processes. */
    const SWOOLE_PROCESS = 2;
    /** Task worker IPC mode (`task_ipc_mode`): Unix socket, tasks go to the chosen worker. */
    const SWOOLE_IPC_UNSOCK = 1;
    /** Task worker IPC mode (`task_ipc_mode`): System V message queue, any idle task worker. */
    const SWOOLE_IPC_MSGQUEUE = 2;
    /** Task worker IPC mode (`task_ipc_mode`): message queue, strictly preemptive. */
    const SWOOLE_IPC_PREEMPTIVE = 3;
    /** Server::command()/addCommand() process type: the master process. */
    const SWOOLE_SERVER_COMMAND_MASTER = 2;
    /** Server::command()/addCommand() process type: the manager process. */
    const SWOOLE_SERVER_COMMAND_MANAGER = 32;
    /** Server::command()/addCommand() process type: a reactor thread. */
    const SWOOLE_SERVER_COMMAND_REACTOR_THREAD = 4;
    /** Server::command()/addCommand() process type: an event worker. */
    const SWOOLE_SERVER_COMMAND_EVENT_WORKER = 8;
    /** Server::command()/addCommand() process type: an event worker (same as EVENT_WORKER). */
    const SWOOLE_SERVER_COMMAND_WORKER = 8;
    /** Server::command()/addCommand() process type: a task worker. */
    const SWOOLE_SERVER_COMMAND_TASK_WORKER = 16;
    /** `dispatch_mode`: round-robin over workers. */
    const SWOOLE_DISPATCH_ROUND = 1;
    /** `dispatch_mode`: by connection fd modulo worker count (a connection always goes to the same worker). */
    const SWOOLE_DISPATCH_FDMOD = 2;
    /** `dispatch_mode`: to an idle worker (preemptive). */
    const SWOOLE_DISPATCH_IDLE_WORKER = 3;
    /** `dispatch_mode`: by client IP modulo worker count. */
    const SWOOLE_DISPATCH_IPMOD = 4;
    /** `dispatch_mode`: by the uid set with Server::bind() modulo worker count. */
    const SWOOLE_DISPATCH_UIDMOD = 5;
    /** `dispatch_mode`: by a user dispatch function (`dispatch_func`). */
    const SWOOLE_DISPATCH_USERFUNC = 6;
    /** `dispatch_mode`: stream mode, idle workers accept from a shared Unix socket. */
    const SWOOLE_DISPATCH_STREAM = 7;
    /** `dispatch_mode`: to the worker with the fewest connections. */
    const SWOOLE_DISPATCH_CO_CONN_LB = 8;
    /** `dispatch_mode`: to the worker with the fewest in-flight requests. */
    const SWOOLE_DISPATCH_CO_REQ_LB = 9;
    /** `dispatch_mode`: to the worker with the lowest concurrency. */
    const SWOOLE_DISPATCH_CONCURRENT_LB = 10;
    /** Return value of a `dispatch_func`: drop this packet. */
    const SWOOLE_DISPATCH_RESULT_DISCARD_PACKET = -1;
    /** Return value of a `dispatch_func`: close the connection. */
    const SWOOLE_DISPATCH_RESULT_CLOSE_CONNECTION = -2;
    /** Return value of a `dispatch_func`: fall back to the built-in dispatch mode. */
    const SWOOLE_DISPATCH_RESULT_USERFUNC_FALLBACK = -3;
    /** Task flag: the task payload was too big and was passed through a temporary file. */
    const SWOOLE_TASK_TMPFILE = 1;
    /** Task flag: the task payload is PHP-serialized. */
    const SWOOLE_TASK_SERIALIZE = 2;
    /** Task flag: the task was sent without blocking. */
    const SWOOLE_TASK_NONBLOCK = 4;
    /** Task flag: the task has a finish callback (task()'s third argument). */
    const SWOOLE_TASK_CALLBACK = 8;
    /** Task flag: the task belongs to a taskWaitMulti() batch. */
    const SWOOLE_TASK_WAITALL = 16;
    /** Task flag: the task was sent by taskCo(). */
    const SWOOLE_TASK_COROUTINE = 32;
    /** Task flag: peek at the task without consuming it. */
    const SWOOLE_TASK_PEEK = 64;
    /** Task flag: the sender expects no reply. */
    const SWOOLE_TASK_NOREPLY = 128;
    /** Server::getWorkerStatus() value: the worker is handling an event. */
    const SWOOLE_WORKER_BUSY = 1;
    /** Server::getWorkerStatus() value: the worker is idle. */
    const SWOOLE_WORKER_IDLE = 2;
    /** Server::getWorkerStatus() value: the worker is exiting (reload_async). */
    const SWOOLE_WORKER_EXIT = 3;
    /** connection_info()["websocket_status"]: connected, handshake not started. */
    const SWOOLE_WEBSOCKET_STATUS_CONNECTION = 1;
    /** connection_info()["websocket_status"]: handshake in progress. */
    const SWOOLE_WEBSOCKET_STATUS_HANDSHAKE = 2;
    /** connection_info()["websocket_status"]: handshake done, frames can be exchanged. */
    const SWOOLE_WEBSOCKET_STATUS_ACTIVE = 3;
    /** connection_info()["websocket_status"]: the close handshake has started. */
    const SWOOLE_WEBSOCKET_STATUS_CLOSING = 4;
    /** WebSocket opcode 0: continuation of a fragmented message. */
    const SWOOLE_WEBSOCKET_OPCODE_CONTINUATION = 0;
    /** WebSocket opcode 1: UTF-8 text message. */
    const SWOOLE_WEBSOCKET_OPCODE_TEXT = 1;
    /** WebSocket opcode 2: binary message. */
    const SWOOLE_WEBSOCKET_OPCODE_BINARY = 2;
    /** WebSocket opcode 8: close frame. */
    const SWOOLE_WEBSOCKET_OPCODE_CLOSE = 8;
    /** WebSocket opcode 9: ping (the peer answers with a pong). */
    const SWOOLE_WEBSOCKET_OPCODE_PING = 9;
    /** WebSocket opcode 10: pong (answer to a ping). */
    const SWOOLE_WEBSOCKET_OPCODE_PONG = 10;
    /** Frame flag: final fragment of a message (set on every unfragmented frame). */
    const SWOOLE_WEBSOCKET_FLAG_FIN = 1;
    /** Frame flag: RSV1 bit (marks a compressed message with permessage-deflate). */
    const SWOOLE_WEBSOCKET_FLAG_RSV1 = 4;
    /** Frame flag: RSV2 bit (reserved). */
    const SWOOLE_WEBSOCKET_FLAG_RSV2 = 8;
    /** Frame flag: RSV3 bit (reserved). */
    const SWOOLE_WEBSOCKET_FLAG_RSV3 = 16;
    /** Frame flag: the payload is masked (set on frames received from clients). */
    const SWOOLE_WEBSOCKET_FLAG_MASK = 32;
    /** Frame flag for push()/pack(): compress this message with permessage-deflate. */
    const SWOOLE_WEBSOCKET_FLAG_COMPRESS = 2;
    /** WebSocket close code 1000: normal closure. */
    const SWOOLE_WEBSOCKET_CLOSE_NORMAL = 1000;
    /** WebSocket close code 1001: endpoint going away (server shutdown, page left). */
    const SWOOLE_WEBSOCKET_CLOSE_GOING_AWAY = 1001;
    /** WebSocket close code 1002: protocol error. */
    const SWOOLE_WEBSOCKET_CLOSE_PROTOCOL_ERROR = 1002;
    /** WebSocket close code 1003: unsupported data type received. */
    const SWOOLE_WEBSOCKET_CLOSE_DATA_ERROR = 1003;
    /** WebSocket close code 1005: no status code was present (never sent on the wire). */
    const SWOOLE_WEBSOCKET_CLOSE_STATUS_ERROR = 1005;
    /** WebSocket close code 1006: connection closed without a close frame (never sent on the wire). */
    const SWOOLE_WEBSOCKET_CLOSE_ABNORMAL = 1006;
    /** WebSocket close code 1007: invalid payload data, e.g. invalid UTF-8 in a text message. */
    const SWOOLE_WEBSOCKET_CLOSE_MESSAGE_ERROR = 1007;
    /** WebSocket close code 1008: policy violation. */
    const SWOOLE_WEBSOCKET_CLOSE_POLICY_ERROR = 1008;
    /** WebSocket close code 1009: message too big to process. */
    const SWOOLE_WEBSOCKET_CLOSE_MESSAGE_TOO_BIG = 1009;
    /** WebSocket close code 1010: client expected an extension the server did not negotiate. */
    const SWOOLE_WEBSOCKET_CLOSE_EXTENSION_MISSING = 1010;
    /** WebSocket close code 1011: unexpected server error. */
    const SWOOLE_WEBSOCKET_CLOSE_SERVER_ERROR = 1011;
    /** WebSocket close code 1012: service restarting. */
    const SWOOLE_WEBSOCKET_CLOSE_CLOSE_SERVICE_RESTART = 1012;
    /** WebSocket close code 1013: try again later (temporary overload). */
    const SWOOLE_WEBSOCKET_CLOSE_TRY_AGAIN_LATER = 1013;
    /** WebSocket close code 1014: bad gateway. */
    const SWOOLE_WEBSOCKET_CLOSE_BAD_GATEWAY = 1014;
    /** WebSocket close code 1015: TLS handshake failure (never sent on the wire). */
    const SWOOLE_WEBSOCKET_CLOSE_TLS = 1015;
    /** connection_info()["websocket_status"]: connected, handshake not started. */
    const WEBSOCKET_STATUS_CONNECTION = 1;
    /** connection_info()["websocket_status"]: handshake in progress. */
    const WEBSOCKET_STATUS_HANDSHAKE = 2;
    /** connection_info()["websocket_status"]: established (legacy name of WEBSOCKET_STATUS_ACTIVE). */
    const WEBSOCKET_STATUS_FRAME = 3;
    /** connection_info()["websocket_status"]: handshake done, frames can be exchanged. */
    const WEBSOCKET_STATUS_ACTIVE = 3;
    /** connection_info()["websocket_status"]: the close handshake has started. */
    const WEBSOCKET_STATUS_CLOSING = 4;
    /** connection_info()["websocket_status"]: the handshake was rejected. */
    const WEBSOCKET_STATUS_HANDSHAKE_FAILED = 5;
    /** WebSocket opcode 0: continuation of a fragmented message. */
    const WEBSOCKET_OPCODE_CONTINUATION = 0;
    /** WebSocket opcode 1: UTF-8 text message. */
    const WEBSOCKET_OPCODE_TEXT = 1;
    /** WebSocket opcode 2: binary message. */
    const WEBSOCKET_OPCODE_BINARY = 2;
    /** WebSocket opcode 8: close frame. */
    const WEBSOCKET_OPCODE_CLOSE = 8;
    /** WebSocket opcode 9: ping (the peer answers with a pong). */
    const WEBSOCKET_OPCODE_PING = 9;
    /** WebSocket opcode 10: pong (answer to a ping). */
    const WEBSOCKET_OPCODE_PONG = 10;
    /** WebSocket close code 1000: normal closure. */
    const WEBSOCKET_CLOSE_NORMAL = 1000;
    /** WebSocket close code 1001: endpoint going away (server shutdown, page left). */
    const WEBSOCKET_CLOSE_GOING_AWAY = 1001;
    /** WebSocket close code 1002: protocol error. */
    const WEBSOCKET_CLOSE_PROTOCOL_ERROR = 1002;
    /** WebSocket close code 1003: unsupported data type received. */
    const WEBSOCKET_CLOSE_DATA_ERROR = 1003;
    /** WebSocket close code 1005: no status code was present (never sent on the wire). */
    const WEBSOCKET_CLOSE_STATUS_ERROR = 1005;
    /** WebSocket close code 1006: connection closed without a close frame (never sent on the wire). */
    const WEBSOCKET_CLOSE_ABNORMAL = 1006;
    /** WebSocket close code 1007: invalid payload data, e.g. invalid UTF-8 in a text message. */
    const WEBSOCKET_CLOSE_MESSAGE_ERROR = 1007;
    /** WebSocket close code 1008: policy violation. */
    const WEBSOCKET_CLOSE_POLICY_ERROR = 1008;
    /** WebSocket close code 1009: message too big to process. */
    const WEBSOCKET_CLOSE_MESSAGE_TOO_BIG = 1009;
    /** WebSocket close code 1010: client expected an extension the server did not negotiate. */
    const WEBSOCKET_CLOSE_EXTENSION_MISSING = 1010;
    /** WebSocket close code 1011: unexpected server error. */
    const WEBSOCKET_CLOSE_SERVER_ERROR = 1011;
    /** WebSocket close code 1012: service restarting. */
    const WEBSOCKET_CLOSE_CLOSE_SERVICE_RESTART = 1012;
    /** WebSocket close code 1013: try again later (temporary overload). */
    const WEBSOCKET_CLOSE_TRY_AGAIN_LATER = 1013;
    /** WebSocket close code 1014: bad gateway. */
    const WEBSOCKET_CLOSE_BAD_GATEWAY = 1014;
    /** WebSocket close code 1015: TLS handshake failure (never sent on the wire). */
    const WEBSOCKET_CLOSE_TLS = 1015;

    /** @return string The Swoole API version implemented (same as SWOOLE_VERSION). */
    function swoole_version(): string {}

    /** @return int The error code (SWOOLE_ERROR_* or errno) of the last failed Swoole call in this process. */
    function swoole_last_error(): int {}

    /**
     * Human-readable message for an error code, e.g. swoole_strerror(1005) is "Session not exist".
     * With the default type, codes in Swoole's error range get Swoole's message and others the system strerror().
     * @param int $error_type SWOOLE_STRERROR_SYSTEM (0, default), SWOOLE_STRERROR_GAI, SWOOLE_STRERROR_DNS or SWOOLE_STRERROR_SWOOLE.
     */
    function swoole_strerror(int $errno, int $error_type = \SWOOLE_STRERROR_SYSTEM): string {}

    /**
     * Call $callback every $ms milliseconds with ($timerId, ...$params); alias of \Swoole\Timer::tick().
     * @return int|false The timer id.
     */
    function swoole_timer_tick(int $ms, callable $callback, mixed ...$params): int|false {}

    /**
     * Call $callback once after $ms milliseconds with (...$params); alias of \Swoole\Timer::after().
     * @return int|false The timer id.
     */
    function swoole_timer_after(int $ms, callable $callback, mixed ...$params): int|false {}

    /** Cancel a timer; alias of \Swoole\Timer::clear(). */
    function swoole_timer_clear(int $timer_id): bool {}

    /** Cancel every timer of this process; alias of \Swoole\Timer::clearAll(). */
    function swoole_timer_clear_all(): bool {}

    /** Set the process title shown by ps/top (e.g. in onStart/onWorkerStart). */
    function swoole_set_process_name(string $process_name): bool {}

    /** The errno of the last failed system call. */
    function swoole_errno(): int {}

    /** Reset swoole_last_error() to 0. */
    function swoole_clear_error(): void {}

    /** Whether a timer with this id is still pending; alias of \Swoole\Timer::exists(). */
    function swoole_timer_exists(int $timer_id): bool {}

    /** The ids of all pending timers; alias of \Swoole\Timer::list(). */
    function swoole_timer_list(): \Swoole\Timer\Iterator {}

    /** Details of a timer, or null; alias of \Swoole\Timer::info(). */
    function swoole_timer_info(int $timer_id): ?array {}

    /** Timer statistics; alias of \Swoole\Timer::stats(). */
    function swoole_timer_stats(): array {}

    /**
     * Process-wide options: 'enable_coroutine' => false runs timer and event callbacks outside a
     * coroutine (outside a server); hook_flags and the socket timeouts as \Swoole\Coroutine::set().
     */
    function swoole_async_set(array $settings): bool {}

    /** Alias of \Swoole\Event::add(). */
    function swoole_event_add(mixed $fd, ?callable $read_callback = null, ?callable $write_callback = null, int $events = \SWOOLE_EVENT_READ): int|false {}

    /** Alias of \Swoole\Event::set(). */
    function swoole_event_set(mixed $fd, ?callable $read_callback = null, ?callable $write_callback = null, int $events = 0): bool {}

    /** Alias of \Swoole\Event::del(). */
    function swoole_event_del(mixed $fd): bool {}

    /** Alias of \Swoole\Event::write(). */
    function swoole_event_write(mixed $fd, string $data): bool {}

    /** Alias of \Swoole\Event::wait(). */
    function swoole_event_wait(): void {}

    /** Alias of \Swoole\Event::rshutdown(). */
    function swoole_event_rshutdown(): void {}

    /** Alias of \Swoole\Event::exit(). */
    function swoole_event_exit(): void {}

    /** Alias of \Swoole\Event::cycle(). */
    function swoole_event_cycle(?callable $callback, bool $before = false): bool {}

    /** Alias of \Swoole\Event::dispatch(). */
    function swoole_event_dispatch(): bool {}

    /** Alias of \Swoole\Event::isset(). */
    function swoole_event_isset(mixed $fd, int $events = \SWOOLE_EVENT_READ | \SWOOLE_EVENT_WRITE): bool {}

    /** Starts $func(...$params) in a new coroutine (Swoole\Coroutine::create()). */
    function go(callable $func, mixed ...$params): int|false {}
    /** Alias of go(). */
    function swoole_coroutine_create(callable $func, mixed ...$params): int|false {}
    /** Runs $callback when the running coroutine ends (Swoole\Coroutine::defer()). */
    function defer(callable $callback): void {}
    /** Alias of defer(). */
    function swoole_coroutine_defer(callable $callback): void {}
    /** @internal The first shutdown function of every request: marks that the script's shutdown functions began (a go() in a destructor after that is a fatal error); a script calling it gets a warning and false. */
    function swoole_internal_call_user_shutdown_begin(): bool {}

    /** Run $callback after the current event; alias of \Swoole\Event::defer(). */
    function swoole_event_defer(callable $callback): bool {}

    /** Registers $mime_type for files ending in .$suffix (the static handler and Response::sendfile() use it); false if the suffix has a type already. */
    function swoole_mime_type_add(string $suffix, string $mime_type): bool {}
    /** Registers $mime_type for .$suffix, replacing any. */
    function swoole_mime_type_set(string $suffix, string $mime_type): void {}
    /** Forgets .$suffix's type; false if it had none. */
    function swoole_mime_type_delete(string $suffix): bool {}
    /** The type of $filename by its extension; "application/octet-stream" if unknown. */
    function swoole_mime_type_get(string $filename): string {}
    /** swoole_mime_type_get()'s other name. */
    function swoole_get_mime_type(string $filename): string {}
    /** Whether $filename's extension has a type. */
    function swoole_mime_type_exists(string $filename): bool {}
    /** Every registered type. */
    function swoole_mime_type_list(): array {}

    /** The number of CPU cores (e.g. for 'worker_num' => swoole_cpu_num()). */
    function swoole_cpu_num(): int {}

    /** The machine's IPv4 addresses (loopback excluded), by interface name. */
    function swoole_get_local_ip(): array {}

    // Swoole 4 class names (removed in Swoole 5), kept by swoole-rs as class aliases: the same
    // class under a second name, so `$s instanceof swoole_server` holds for a \Swoole\Server.
    // Declared with class_alias() as Swoole's own ide-helper does; use the namespaced names.

    /** @deprecated Swoole 4 name of \Swoole\Server (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\Server::class, 'swoole_server');
    /** Swoole 4 name of \Swoole\Process. */
    class_alias(\Swoole\Process::class, 'swoole_process');
    /** @deprecated Swoole 4 name of \Swoole\Http\Server (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\Http\Server::class, 'swoole_http_server');
    /** @deprecated Swoole 4 name of \Swoole\WebSocket\Server (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\WebSocket\Server::class, 'swoole_websocket_server');
    /** @deprecated Swoole 4 name of \Swoole\WebSocket\Frame (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\WebSocket\Frame::class, 'swoole_websocket_frame');
    /** @deprecated Swoole 4 name of \Swoole\WebSocket\CloseFrame (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\WebSocket\CloseFrame::class, 'swoole_websocket_closeframe');
    /** @deprecated Swoole 4 name of \Swoole\Http\Request (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\Http\Request::class, 'swoole_http_request');
    /** @deprecated Swoole 4 name of \Swoole\Http\Response (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\Http\Response::class, 'swoole_http_response');
    /** @deprecated Swoole 4 name of \Swoole\Timer (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\Timer::class, 'swoole_timer');
    /** @deprecated Swoole 4 name of \Swoole\Event (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\Event::class, 'swoole_event');
    /** @deprecated Swoole 4 name of \Swoole\Exception (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\Exception::class, 'swoole_exception');
    /** @deprecated Swoole 4 name of \Swoole\Table (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\Table::class, 'swoole_table');
    /** @deprecated Swoole 4 name of \Swoole\Client (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\Client::class, 'swoole_client');
    /** @deprecated Swoole 4 name of \Swoole\Atomic (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\Atomic::class, 'swoole_atomic');
    /** @deprecated Swoole 4 name of \Swoole\Lock (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\Lock::class, 'swoole_lock');
    /** @deprecated Swoole 4 name of \Swoole\Atomic\Long (removed in Swoole 5); swoole-rs keeps it as a class alias. */
    class_alias(\Swoole\Atomic\Long::class, 'swoole_atomic_long');
    /** Short name of \Swoole\Coroutine. */
    class_alias(\Swoole\Coroutine::class, 'Co');
    /** Short name of \Swoole\Coroutine\Context. */
    class_alias(\Swoole\Coroutine\Context::class, 'Co\\Context');
    /** Short name of \Swoole\Coroutine\Channel. */
    class_alias(\Swoole\Coroutine\Channel::class, 'Co\\Channel');
    /** Short name of \Swoole\Coroutine\Channel. */
    class_alias(\Swoole\Coroutine\Channel::class, 'chan');
    /** Short name of \Swoole\Coroutine\WaitGroup. */
    class_alias(\Swoole\Coroutine\WaitGroup::class, 'Co\\WaitGroup');
    /** Short name of \Swoole\Coroutine\Client. */
    class_alias(\Swoole\Coroutine\Client::class, 'Co\\Client');
    /** Short name of \Swoole\Coroutine\Socket. */
    class_alias(\Swoole\Coroutine\Socket::class, 'Co\\Socket');
    /** Short name of \Swoole\Coroutine\Socket\Exception. */
    class_alias(\Swoole\Coroutine\Socket\Exception::class, 'Co\\Socket\\Exception');
    /** Short name of \Swoole\Coroutine\System. */
    class_alias(\Swoole\Coroutine\System::class, 'Co\\System');
    /** Short name of \Swoole\Coroutine\Scheduler. */
    class_alias(\Swoole\Coroutine\Scheduler::class, 'Co\\Scheduler');
    /** Short name of \Swoole\Coroutine\Barrier. */
    class_alias(\Swoole\Coroutine\Barrier::class, 'Co\\Barrier');
    /** Short name of \Swoole\Coroutine\Server. */
    class_alias(\Swoole\Coroutine\Server::class, 'Co\\Server');
    /** Short name of \Swoole\Coroutine\Http\Server. */
    class_alias(\Swoole\Coroutine\Http\Server::class, 'Co\\Http\\Server');
    /** Short name of \Swoole\Coroutine\Http\Client. */
    class_alias(\Swoole\Coroutine\Http\Client::class, 'Co\\Http\\Client');
    /** Short name of \Swoole\Coroutine\Http\Client\Exception. */
    class_alias(\Swoole\Coroutine\Http\Client\Exception::class, 'Co\\Http\\Client\\Exception');
}

namespace {
    // Constants of Swoole features swoole-rs does not implement (runtime hooks, locks,
    // SSL methods, process pools, coroutine scheduler internals): registered with Swoole's
    // values so that scripts passing them in settings keep working. The few that
    // swoole-rs uses say so.
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_SSLv3_METHOD = 1;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_SSLv3_SERVER_METHOD = 2;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_SSLv3_CLIENT_METHOD = 3;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_TLSv1_METHOD = 6;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_TLSv1_SERVER_METHOD = 7;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_TLSv1_CLIENT_METHOD = 8;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_TLSv1_1_METHOD = 9;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_TLSv1_1_SERVER_METHOD = 10;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_TLSv1_1_CLIENT_METHOD = 11;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_TLSv1_2_METHOD = 12;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_TLSv1_2_SERVER_METHOD = 13;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_TLSv1_2_CLIENT_METHOD = 14;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_DTLS_SERVER_METHOD = 16;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_DTLS_CLIENT_METHOD = 15;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_SSLv23_METHOD = 0;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_SSLv23_SERVER_METHOD = 4;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_SSLv23_CLIENT_METHOD = 5;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_TLS_METHOD = 0;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_TLS_SERVER_METHOD = 4;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_TLS_CLIENT_METHOD = 5;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_IPC_NONE = 0;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_IPC_UNIXSOCK = 1;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_IPC_SOCKET = 3;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_IOV_MAX = 1024;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_MUTEX = 3;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_RWLOCK = 1;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_SPINLOCK = 5;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_MSGQUEUE_ORIENT = 1;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_MSGQUEUE_BALANCE = 2;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_DEFAULT_MAX_CORO_NUM = 100000;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_CORO_MAX_NUM_LIMIT = 9223372036854775807;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_CORO_INIT = 0;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_CORO_WAITING = 1;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_CORO_RUNNING = 2;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_CORO_END = 3;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_EXIT_IN_COROUTINE = 2;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_EXIT_IN_SERVER = 4;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const FILE_LOCK = 2;
    /** Coroutine\Channel::$errCode: the last push()/pop() succeeded. */
    const SWOOLE_CHANNEL_OK = 0;
    /** Coroutine\Channel::$errCode: the last push()/pop() timed out (or was canceled). */
    const SWOOLE_CHANNEL_TIMEOUT = -1;
    /** Coroutine\Channel::$errCode: the channel is closed. */
    const SWOOLE_CHANNEL_CLOSED = -2;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_CHANNEL_CANCELED = -3;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_TCP = 2;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_UDP = 4;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_UNIX = 8;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_UDG = 16;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_SSL = 32;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_TLS = 64;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_STREAM_FUNCTION = 128;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_STREAM_SELECT = 128;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_FILE = 256;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_STDIO = 32768;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_SLEEP = 512;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_PROC = 1024;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_CURL = 2048;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_NATIVE_CURL = 4096;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_SOCKETS = 16384;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_NET_FUNCTION = 2097152;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_MONGODB = 4194304;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const SWOOLE_HOOK_ALL = 2143285247;
    /** ECANCELED: the errCode of a coroutine socket wait ended by Coroutine::cancel() or Coroutine\Socket::cancel(). */
    const SOCKET_ECANCELED = 125;
    /** Swoole constant kept for compatibility; the feature behind it is not implemented by swoole-rs. */
    const TCP_INFO = 11;
    /** Coroutine\Http\Client::$statusCode: the connection could not be made. */
    const SWOOLE_HTTP_CLIENT_ESTATUS_CONNECT_FAILED = -1;
    /** Coroutine\Http\Client::$statusCode: the request timed out. */
    const SWOOLE_HTTP_CLIENT_ESTATUS_REQUEST_TIMEOUT = -2;
    /** Coroutine\Http\Client::$statusCode: the server closed the connection or sent an invalid response. */
    const SWOOLE_HTTP_CLIENT_ESTATUS_SERVER_RESET = -3;
    /** Coroutine\Http\Client::$statusCode: the request could not be sent. */
    const SWOOLE_HTTP_CLIENT_ESTATUS_SEND_FAILED = -4;
}
