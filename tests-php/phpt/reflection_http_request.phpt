--TEST--
reflection of Swoole\Http\Request: properties and method signatures
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

render_class('Swoole\\Http\\Request', [
    'getContent',
    'rawContent',
    'getData',
    'create',
    'parse',
    'isCompleted',
    'getMethod',
]);
?>
--EXPECT--
class Swoole\Http\Request
  public $fd = 0
  public $streamId = 0
  public $header = NULL
  public $server = NULL
  public $cookie = NULL
  public $get = NULL
  public $files = NULL
  public $post = NULL
  public $tmpfiles = NULL
  public function getContent(): string|false
  public function rawContent(): string|false
  public function getData(): string|false
  public static function create(array $options = array (
)): Swoole\Http\Request
  public function parse(string $data): int|false
  public function isCompleted(): bool
  public function getMethod(): string|false
