--TEST--
reflection of Swoole\WebSocket\Server: properties and method signatures
--FILE--
<?php
function render_param(ReflectionParameter $p): string
{
    $s = $p->hasType() ? $p->getType() . ' ' : '';
    $s .= ($p->isPassedByReference() ? '&' : '') . ($p->isVariadic() ? '...' : '') . '$' . $p->getName();
    if ($p->isDefaultValueAvailable()) {
        $s .= ' = ' . ($p->isDefaultValueConstant()
            ? $p->getDefaultValueConstantName()
            : var_export($p->getDefaultValue(), true));
    }
    return $s;
}

function render_class(string $class, array $methods): void
{
    $rc = new ReflectionClass($class);
    $line = 'class ' . $rc->getName();
    if ($rc->getParentClass()) {
        $line .= ' extends ' . $rc->getParentClass()->getName();
    }
    if ($rc->getInterfaceNames()) {
        $line .= ' implements ' . implode(', ', $rc->getInterfaceNames());
    }
    echo $line, "\n";
    foreach ($rc->getProperties() as $p) {
        $line = '  ' . implode(' ', Reflection::getModifierNames($p->getModifiers())) . ' ';
        $line .= ($p->hasType() ? $p->getType() . ' ' : '') . '$' . $p->getName();
        if ($p->hasDefaultValue()) {
            $line .= ' = ' . var_export($p->getDefaultValue(), true);
        }
        if ($p->getDeclaringClass()->getName() !== $rc->getName()) {
            $line .= '   (declared in ' . $p->getDeclaringClass()->getName() . ')';
        }
        echo $line, "\n";
    }
    // Only the methods the reference lists, in its order: extra methods are allowed.
    foreach ($methods as $name) {
        if (!$rc->hasMethod($name)) {
            echo "  MISSING METHOD {$name}\n";
            continue;
        }
        $m = $rc->getMethod($name);
        $line = '  ' . implode(' ', Reflection::getModifierNames($m->getModifiers())) . ' function ' . $m->getName();
        $line .= '(' . implode(', ', array_map('render_param', $m->getParameters())) . ')';
        if ($m->hasReturnType()) {
            $line .= ': ' . $m->getReturnType();
        }
        if ($m->getDeclaringClass()->getName() !== $rc->getName()) {
            $line .= '   [from ' . $m->getDeclaringClass()->getName() . ']';
        }
        echo $line, "\n";
    }
}

render_class('Swoole\\WebSocket\\Server', [
    'push',
    'disconnect',
    'ping',
    'isEstablished',
    'pack',
    'unpack',
    '__construct',
    '__destruct',
    'listen',
    'addlistener',
    'on',
    'getCallback',
    'set',
    'start',
    'send',
    'sendto',
    'sendwait',
    'exists',
    'exist',
    'protect',
    'sendfile',
    'close',
    'confirm',
    'pause',
    'resume',
    'task',
    'taskwait',
    'taskWaitMulti',
    'taskCo',
    'finish',
    'reload',
    'shutdown',
    'stop',
    'getLastError',
    'heartbeat',
    'getClientInfo',
    'getClientList',
    'getWorkerId',
    'getWorkerPid',
    'getWorkerStatus',
    'getManagerPid',
    'getMasterPid',
    'connection_info',
    'connection_list',
    'sendMessage',
    'command',
    'addCommand',
    'addProcess',
    'stats',
    'bind',
]);
?>
--EXPECT--
class Swoole\WebSocket\Server extends Swoole\Http\Server
  public $setting = NULL   (declared in Swoole\Server)
  public $connections = NULL   (declared in Swoole\Server)
  public $host = ''   (declared in Swoole\Server)
  public $port = 0   (declared in Swoole\Server)
  public $type = 0   (declared in Swoole\Server)
  public $ssl = false   (declared in Swoole\Server)
  public $mode = 0   (declared in Swoole\Server)
  public $ports = NULL   (declared in Swoole\Server)
  public $master_pid = 0   (declared in Swoole\Server)
  public $manager_pid = 0   (declared in Swoole\Server)
  public $worker_id = -1   (declared in Swoole\Server)
  public $taskworker = false   (declared in Swoole\Server)
  public $worker_pid = 0   (declared in Swoole\Server)
  public $stats_timer = NULL   (declared in Swoole\Server)
  public $admin_server = NULL   (declared in Swoole\Server)
  public function push(int $fd, Swoole\WebSocket\Frame|string $data, int $opcode = WEBSOCKET_OPCODE_TEXT, int $flags = SWOOLE_WEBSOCKET_FLAG_FIN): bool
  public function disconnect(int $fd, int $code = SWOOLE_WEBSOCKET_CLOSE_NORMAL, string $reason = ''): bool
  public function ping(int $fd, string $data = ''): bool
  public function isEstablished(int $fd): bool
  public static function pack(Swoole\WebSocket\Frame|string $data, int $opcode = WEBSOCKET_OPCODE_TEXT, int $flags = SWOOLE_WEBSOCKET_FLAG_FIN): string
  public static function unpack(string $data): Swoole\WebSocket\Frame
  public function __construct(string $host = '0.0.0.0', int $port = 0, int $mode = SWOOLE_BASE, int $sock_type = SWOOLE_SOCK_TCP)   [from Swoole\Server]
  public function __destruct()   [from Swoole\Server]
  public function listen(string $host, int $port, int $sock_type): Swoole\Server\Port|false   [from Swoole\Server]
  public function addlistener(string $host, int $port, int $sock_type): Swoole\Server\Port|false   [from Swoole\Server]
  public function on(string $event_name, callable $callback): bool   [from Swoole\Server]
  public function getCallback(string $event_name): Closure|array|string|null   [from Swoole\Server]
  public function set(array $settings): bool   [from Swoole\Server]
  public function start(): bool   [from Swoole\Server]
  public function send(string|int $fd, string $send_data, int $serverSocket = -1): bool   [from Swoole\Server]
  public function sendto(string $ip, int $port, string $send_data, int $server_socket = -1): bool   [from Swoole\Server]
  public function sendwait(int $conn_fd, string $send_data): bool   [from Swoole\Server]
  public function exists(int $fd): bool   [from Swoole\Server]
  public function exist(int $fd): bool   [from Swoole\Server]
  public function protect(int $fd, bool $is_protected = true): bool   [from Swoole\Server]
  public function sendfile(int $conn_fd, string $filename, int $offset = 0, int $length = 0): bool   [from Swoole\Server]
  public function close(int $fd, bool $reset = false): bool   [from Swoole\Server]
  public function confirm(int $fd): bool   [from Swoole\Server]
  public function pause(int $fd): bool   [from Swoole\Server]
  public function resume(int $fd): bool   [from Swoole\Server]
  public function task(mixed $data, int $taskWorkerIndex = -1, ?callable $finishCallback = NULL): int|false   [from Swoole\Server]
  public function taskwait(mixed $data, float $timeout = 0.5, int $taskWorkerIndex = -1): mixed   [from Swoole\Server]
  public function taskWaitMulti(array $tasks, float $timeout = 0.5): array|false   [from Swoole\Server]
  public function taskCo(array $tasks, float $timeout = 0.5): array|false   [from Swoole\Server]
  public function finish(mixed $data): bool   [from Swoole\Server]
  public function reload(bool $only_reload_taskworker = false): bool   [from Swoole\Server]
  public function shutdown(): bool   [from Swoole\Server]
  public function stop(int $workerId = -1): bool   [from Swoole\Server]
  public function getLastError(): int   [from Swoole\Server]
  public function heartbeat(bool $ifCloseConnection = true): array|false   [from Swoole\Server]
  public function getClientInfo(int $fd, int $reactor_id = -1, bool $ignoreError = false): array|false   [from Swoole\Server]
  public function getClientList(int $start_fd = 0, int $find_count = 10): array|false   [from Swoole\Server]
  public function getWorkerId(): int|false   [from Swoole\Server]
  public function getWorkerPid(int $worker_id = -1): int|false   [from Swoole\Server]
  public function getWorkerStatus(int $worker_id = -1): int|false   [from Swoole\Server]
  public function getManagerPid(): int   [from Swoole\Server]
  public function getMasterPid(): int   [from Swoole\Server]
  public function connection_info(int $fd, int $reactor_id = -1, bool $ignoreError = false): array|false   [from Swoole\Server]
  public function connection_list(int $start_fd = 0, int $find_count = 10): array|false   [from Swoole\Server]
  public function sendMessage(mixed $message, int $dst_worker_id): bool   [from Swoole\Server]
  public function command(string $name, int $process_id, int $process_type, mixed $data, bool $json_decode = true): array|string|false   [from Swoole\Server]
  public function addCommand(string $name, int $accepted_process_types, callable $callback): bool   [from Swoole\Server]
  public function addProcess(Swoole\Process $process): int|false   [from Swoole\Server]
  public function stats(): array   [from Swoole\Server]
  public function bind(int $fd, int $uid): bool   [from Swoole\Server]
