--TEST--
reflection of Swoole\Server\Port: properties and method signatures
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

render_class('Swoole\\Server\\Port', [
    '__construct',
    '__destruct',
    'set',
    'on',
    'getCallback',
]);
?>
--EXPECT--
class Swoole\Server\Port
  private $onConnect = NULL
  private $onReceive = NULL
  private $onClose = NULL
  private $onPacket = NULL
  private $onBufferFull = NULL
  private $onBufferEmpty = NULL
  private $onRequest = NULL
  private $onHandshake = NULL
  private $onOpen = NULL
  private $onMessage = NULL
  private $onDisconnect = NULL
  private $onBeforeHandshakeResponse = NULL
  public $host = NULL
  public $port = 0
  public $type = 0
  public $sock = -1
  public $ssl = false
  public $setting = NULL
  public $connections = NULL
  private function __construct()
  public function __destruct()
  public function set(array $settings): void
  public function on(string $event_name, callable $callback): bool
  public function getCallback(string $event_name): ?Closure
