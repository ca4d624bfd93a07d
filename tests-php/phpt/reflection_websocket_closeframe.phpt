--TEST--
reflection of Swoole\WebSocket\CloseFrame: properties and method signatures
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

render_class('Swoole\\WebSocket\\CloseFrame', [
    '__toString',
    'pack',
    'unpack',
]);
?>
--EXPECT--
class Swoole\WebSocket\CloseFrame extends Swoole\WebSocket\Frame implements Stringable
  public $fd = 0   (declared in Swoole\WebSocket\Frame)
  public $data = ''   (declared in Swoole\WebSocket\Frame)
  public $flags = 1   (declared in Swoole\WebSocket\Frame)
  public $finish = NULL   (declared in Swoole\WebSocket\Frame)
  public $opcode = 8
  public $code = 1000
  public $reason = ''
  public function __toString(): string   [from Swoole\WebSocket\Frame]
  public static function pack(Swoole\WebSocket\Frame|string $data, int $opcode = WEBSOCKET_OPCODE_TEXT, int $flags = SWOOLE_WEBSOCKET_FLAG_FIN): string   [from Swoole\WebSocket\Frame]
  public static function unpack(string $data): Swoole\WebSocket\Frame   [from Swoole\WebSocket\Frame]
