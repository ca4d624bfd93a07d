<?php
/**
 * Dumps, as JSON on stdout, the API that either the loaded swoole extension or
 * the IDE stub file declares, as Reflection reports it. Used by
 * tests-php/test_stubs.py to compare the two.
 *
 *   php -d extension=swoole.so reflect_api.php ext   [STUB_FILE]
 *   php -n                     reflect_api.php stubs STUB_FILE
 *
 * "ext":   everything ReflectionExtension('swoole') registers: classes (class
 *          aliases included: getClasses() lists an alias under its own name,
 *          whose getName() is the real class), functions, constants. With
 *          STUB_FILE, every name the stub file mentions is also looked up with
 *          class_exists()/interface_exists(), to catch aliases by name too.
 * "stubs": requires STUB_FILE (the extension must NOT be loaded) and reports
 *          only what that file declared: the classes/interfaces/functions/
 *          constants that exist after the require and did not before.
 *
 * Output: {"classes": {Name: {...}}, "aliases": {alias: Target},
 *          "functions": {name: {...}}, "constants": {NAME: var_export}}
 * Values (defaults, constants) are var_export() strings so that 1, 1.0, '1'
 * and true stay different.
 */

declare(strict_types=1);

error_reporting(E_ALL);
ini_set('display_errors', 'stderr');

function export_value(mixed $v): string
{
    return var_export($v, true);
}

function type_string(?ReflectionType $t): ?string
{
    return $t === null ? null : (string) $t;
}

function dump_function(ReflectionFunctionAbstract $f): array
{
    $params = [];
    foreach ($f->getParameters() as $p) {
        $d = [
            'name' => $p->getName(),
            'position' => $p->getPosition(),
            'optional' => $p->isOptional(),
            'by_ref' => $p->isPassedByReference(),
            'variadic' => $p->isVariadic(),
            'type' => type_string($p->getType()),
            'has_default' => $p->isDefaultValueAvailable(),
            'default' => null,
            'default_const' => null,
        ];
        if ($d['has_default']) {
            try {
                if ($p->isDefaultValueConstant()) {
                    $d['default_const'] = $p->getDefaultValueConstantName();
                }
                $d['default'] = export_value($p->getDefaultValue());
            } catch (Throwable $e) {
                $d['default'] = '<error: ' . $e->getMessage() . '>';
            }
        }
        $params[] = $d;
    }
    $out = [
        'name' => $f->getName(),
        'params' => $params,
        'required' => $f->getNumberOfRequiredParameters(),
        'return' => type_string($f->getReturnType()),
        'tentative_return' => type_string($f->getTentativeReturnType()),
        'by_ref_return' => $f->returnsReference(),
        'doc' => $f->getDocComment() !== false,
    ];
    if ($f instanceof ReflectionMethod) {
        $out['static'] = $f->isStatic();
        $out['visibility'] = $f->isPublic() ? 'public' : ($f->isProtected() ? 'protected' : 'private');
        $out['final'] = $f->isFinal();
        $out['abstract'] = $f->isAbstract();
        $out['class'] = $f->getDeclaringClass()->getName();
    }
    return $out;
}

function dump_class(ReflectionClass $c): array
{
    $methods = [];
    foreach ($c->getMethods() as $m) {
        $methods[$m->getName()] = dump_function($m);
    }
    $props = [];
    $defaults = $c->getDefaultProperties();
    foreach ($c->getProperties() as $p) {
        $props[$p->getName()] = [
            'static' => $p->isStatic(),
            'visibility' => $p->isPublic() ? 'public' : ($p->isProtected() ? 'protected' : 'private'),
            'readonly' => $p->isReadOnly(),
            'type' => type_string($p->getType()),
            'has_default' => $p->hasDefaultValue(),
            'default' => $p->hasDefaultValue() ? export_value($p->getDefaultValue()) : null,
            // getDefaultProperties() reads the class's default table directly
            // (the other way Reflection reports an internal class's defaults).
            'table_default' => array_key_exists($p->getName(), $defaults)
                ? export_value($defaults[$p->getName()]) : null,
            'class' => $p->getDeclaringClass()->getName(),
            'doc' => $p->getDocComment() !== false,
        ];
    }
    $consts = [];
    foreach ($c->getReflectionConstants() as $k) {
        $consts[$k->getName()] = [
            'value' => export_value($k->getValue()),
            'visibility' => $k->isPublic() ? 'public' : ($k->isProtected() ? 'protected' : 'private'),
            'final' => $k->isFinal(),
            'class' => $k->getDeclaringClass()->getName(),
            'doc' => $k->getDocComment() !== false,
        ];
    }
    $ifaces = $c->getInterfaceNames();
    sort($ifaces);
    $parent = $c->getParentClass();
    return [
        'name' => $c->getName(),
        'kind' => $c->isInterface() ? 'interface' : ($c->isTrait() ? 'trait' : ($c->isEnum() ? 'enum' : 'class')),
        'parent' => $parent ? $parent->getName() : null,
        'interfaces' => $ifaces,
        'final' => $c->isFinal(),
        'abstract' => $c->isAbstract() && !$c->isInterface(),
        'methods' => (object) $methods,
        'properties' => (object) $props,
        'constants' => (object) $consts,
        'doc' => $c->getDocComment() !== false,
    ];
}

/**
 * Every identifier-like word a PHP file contains (declared names, strings,
 * qualified names, even words in comments): over-inclusive on purpose, the
 * caller keeps those that name a class. A regex, not token_get_all(): the
 * tokenizer extension is not loaded under `php -n`.
 */
function names_in_file(string $file): array
{
    preg_match_all('/[A-Za-z_\\\\][A-Za-z0-9_\\\\]*/', (string) file_get_contents($file), $m);
    $names = [];
    foreach ($m[0] as $word) {
        $word = trim(str_replace('\\\\', '\\', $word), '\\');
        if ($word !== '' && preg_match('/^[A-Za-z_][A-Za-z0-9_]*(\\\\[A-Za-z_][A-Za-z0-9_]*)*$/', $word)) {
            $names[strtolower($word)] = $word;
        }
    }
    return array_values($names);
}

/** The dump, maps as JSON objects even when empty. */
function result(array $classes, array $aliases, array $functions, array $constants): array
{
    ksort($classes);
    ksort($aliases);
    ksort($functions);
    ksort($constants);
    return [
        'classes' => (object) $classes,
        'aliases' => (object) $aliases,
        'functions' => (object) $functions,
        'constants' => (object) $constants,
    ];
}

function dump_ext(?string $stub_file): array
{
    $ext = new ReflectionExtension('swoole');
    $classes = [];
    $aliases = [];
    foreach ($ext->getClasses() as $key => $c) {
        if (strcasecmp((string) $key, $c->getName()) !== 0) {
            $aliases[strtolower((string) $key)] = $c->getName();
        } else {
            $classes[$c->getName()] = dump_class($c);
        }
    }
    // Every name the stubs mention that resolves to one of our classes under
    // another name is an alias too (whatever getClasses() reports).
    if ($stub_file !== null) {
        foreach (names_in_file($stub_file) as $name) {
            if (!class_exists($name, false) && !interface_exists($name, false)) {
                continue;
            }
            $rc = new ReflectionClass($name);
            if ($rc->getExtensionName() === 'swoole' && strcasecmp($rc->getName(), $name) !== 0) {
                $aliases[strtolower($name)] = $rc->getName();
            }
        }
    }
    $functions = [];
    foreach ($ext->getFunctions() as $f) {
        $functions[$f->getName()] = dump_function($f);
    }
    $constants = [];
    foreach ($ext->getConstants() as $k => $v) {
        $constants[$k] = export_value($v);
    }
    return result($classes, $aliases, $functions, $constants);
}

function dump_stubs(string $stub_file): array
{
    if (extension_loaded('swoole')) {
        fwrite(STDERR, "stubs mode needs PHP without the swoole extension\n");
        exit(2);
    }
    $before_classes = array_map('strtolower', array_merge(get_declared_classes(), get_declared_interfaces(), get_declared_traits()));
    $before_functions = get_defined_functions()['user'];
    $before_constants = get_defined_constants(true)['user'] ?? [];

    require $stub_file;

    $after_classes = array_merge(get_declared_classes(), get_declared_interfaces(), get_declared_traits());
    $classes = [];
    $aliases = [];
    foreach ($after_classes as $name) {
        if (in_array(strtolower($name), $before_classes, true)) {
            continue;
        }
        $c = new ReflectionClass($name);
        if (strcasecmp($name, $c->getName()) !== 0) {
            // get_declared_classes() lists a class_alias() under its own (lower-case) name
            $aliases[strtolower($name)] = $c->getName();
        } else {
            $classes[$c->getName()] = dump_class($c);
        }
    }
    $functions = [];
    foreach (array_diff(get_defined_functions()['user'], $before_functions) as $lname) {
        $f = new ReflectionFunction($lname);
        if ($f->getFileName() !== realpath($stub_file)) {
            continue;
        }
        $functions[$f->getName()] = dump_function($f);
    }
    $constants = [];
    foreach (array_diff_key(get_defined_constants(true)['user'] ?? [], $before_constants) as $k => $v) {
        $constants[$k] = export_value($v);
    }
    return result($classes, $aliases, $functions, $constants);
}

$mode = $argv[1] ?? '';
$stub = $argv[2] ?? null;
if ($mode === 'ext') {
    if (!extension_loaded('swoole')) {
        fwrite(STDERR, "ext mode needs the swoole extension loaded\n");
        exit(2);
    }
    $data = dump_ext($stub);
} elseif ($mode === 'stubs' && $stub !== null) {
    $data = dump_stubs($stub);
} else {
    fwrite(STDERR, "usage: reflect_api.php ext [STUB_FILE] | stubs STUB_FILE\n");
    exit(2);
}
echo json_encode($data, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR | JSON_PRESERVE_ZERO_FRACTION), "\n";
