--TEST--
reflection of Swoole\Http\Response: properties and method signatures
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

render_class('Swoole\\Http\\Response', [
    'initHeader',
    'isWritable',
    'cookie',
    'setCookie',
    'rawcookie',
    'setRawCookie',
    'status',
    'setStatusCode',
    'header',
    'setHeader',
    'trailer',
    'ping',
    'goaway',
    'write',
    'end',
    'sendfile',
    'redirect',
    'detach',
    'create',
    'upgrade',
    'push',
    'recv',
    'close',
    'disconnect',
]);
?>
--EXPECT--
class Swoole\Http\Response
  public $fd = 0
  public $socket = NULL
  public $header = NULL
  public $cookie = NULL
  public $trailer = NULL
  public function initHeader(): bool
  public function isWritable(): bool
  public function cookie(Swoole\Http\Cookie|string $name_or_object, string $value = '', int $expires = 0, string $path = '/', string $domain = '', bool $secure = false, bool $httponly = false, string $samesite = '', string $priority = '', bool $partitioned = false): bool
  public function setCookie(Swoole\Http\Cookie|string $name_or_object, string $value = '', int $expires = 0, string $path = '/', string $domain = '', bool $secure = false, bool $httponly = false, string $samesite = '', string $priority = '', bool $partitioned = false): bool
  public function rawcookie(Swoole\Http\Cookie|string $name_or_object, string $value = '', int $expires = 0, string $path = '/', string $domain = '', bool $secure = false, bool $httponly = false, string $samesite = '', string $priority = '', bool $partitioned = false): bool
  public function setRawCookie(Swoole\Http\Cookie|string $name_or_object, string $value = '', int $expires = 0, string $path = '/', string $domain = '', bool $secure = false, bool $httponly = false, string $samesite = '', string $priority = '', bool $partitioned = false): bool
  public function status(int $http_code, string $reason = ''): bool
  public function setStatusCode(int $http_code, string $reason = ''): bool
  public function header(string $key, array|string $value, bool $format = true): bool
  public function setHeader(string $key, array|string $value, bool $format = true): bool
  public function trailer(string $key, string $value): bool
  public function ping(string $data = ''): bool
  public function goaway(int $error_code = SWOOLE_HTTP2_ERROR_NO_ERROR, string $debug_data = ''): bool
  public function write(string $content): bool
  public function end(?string $content = NULL): bool
  public function sendfile(string $filename, int $offset = 0, int $length = 0): bool
  public function redirect(string $location, int $http_code = 302): bool
  public function detach(): bool
  public static function create(object|array|int $server = -1, int $fd = -1): Swoole\Http\Response|false
  public function upgrade(): bool
  public function push(Swoole\WebSocket\Frame|string $data, int $opcode = SWOOLE_WEBSOCKET_OPCODE_TEXT, int $flags = SWOOLE_WEBSOCKET_FLAG_FIN): bool
  public function recv(float $timeout = 0): Swoole\WebSocket\Frame|string|false
  public function close(): bool
  public function disconnect(int $code = SWOOLE_WEBSOCKET_CLOSE_NORMAL, string $reason = ''): bool
