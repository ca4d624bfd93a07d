#!/usr/bin/env python3
"""Regenerate the reference-derived .phpt files from ../shared/reference/.

    python3 tests-php/tools/gen_phpt.py [REFERENCE_DIR]

Writes tests-php/phpt/constants_*.phpt and reflection_*.phpt. The generated
files are committed; run this again only when the reference changes.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests-php" / "phpt"
REF = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference"

HEADER = "--TEST--\n{title}\n--FILE--\n<?php\n{code}?>\n--EXPECT--\n{expect}\n"


def write(name: str, title: str, code: str, expect: str):
    path = OUT / name
    path.write_text(HEADER.format(title=title, code=code, expect=expect.rstrip("\n")))
    print("wrote", path.relative_to(ROOT))


# ---------------------------------------------------------------------------
# constants
# ---------------------------------------------------------------------------

def constant_sections(text: str) -> dict:
    sections, current = {}, None
    for line in text.splitlines():
        if line.startswith("### "):
            current = line[4:].strip()
            sections[current] = []
        elif current and re.match(r"^[A-Za-z_][A-Za-z0-9_]* (= .*|: NOT DEFINED)$", line):
            sections[current].append(line)
    return sections


CONST_RENDER = """foreach ($names as $name) {
    if (defined($name)) {
        echo $name, ' = ', var_export(constant($name), true), "\\n";
    } else {
        echo $name, " : NOT DEFINED\\n";
    }
}
"""


def gen_constants():
    text = (REF / "swoole-constants.txt").read_text()
    sections = constant_sections(text)
    for key, name, title in [
        ("constants containing WEBSOCKET", "constants_websocket.phpt", "WebSocket constants and values"),
        ("server mode / socket type / misc constants", "constants_misc.phpt",
         "server mode, socket type, error code and feature constants"),
    ]:
        lines = sections[key]
        names = [re.split(r" [=:] ", l, 1)[0] for l in lines]
        code = "$names = [\n" + "".join(f"    '{n}',\n" for n in names) + "];\n" + CONST_RENDER
        write(name, title, code, "\n".join(lines))

    all_lines = sections["ALL swoole constants (name = value)"]
    all_lines = sorted(all_lines, key=lambda l: l.split(" = ", 1)[0])
    # The reference lists Swoole's constants with ext-sockets loaded; without
    # it Swoole (and swoole-rs) also define ext-sockets' own (AF_INET, ...),
    # which tests-php/test_coroutine.py checks: they are left out here.
    code = (
        "$c = get_defined_constants(true)['swoole'] ?? [];\n"
        "$c = array_filter($c, fn($k) => in_array($k, ['SOCKET_ECANCELED', 'TCP_INFO'], true) || !preg_match(\n"
        "    '/^(AF|SOCK|SOL|SO|MSG|IP|IPV6|IPPROTO|TCP|MCAST|AI|SCM|SOCKET|IPV6)_|^SOMAXCONN$/', $k),\n"
        "    ARRAY_FILTER_USE_KEY);\n"
        "ksort($c, SORT_STRING);\n"
        "foreach ($c as $k => $v) {\n"
        "    echo $k, ' = ', var_export($v, true), \"\\n\";\n"
        "}\n"
        "echo 'count=', count($c), \"\\n\";\n"
    )
    write(
        "constants_all.phpt",
        "every constant of the swoole extension (get_defined_constants) with its value",
        code,
        "\n".join(all_lines) + f"\ncount={len(all_lines)}",
    )


# ---------------------------------------------------------------------------
# reflection
# ---------------------------------------------------------------------------

RENDERER = r"""function render_param(ReflectionParameter $p): string
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
"""


def gen_reflection():
    text = (REF / "swoole-api-signatures.txt").read_text()
    blocks = [b for b in re.split(r"\n(?=class )", text) if b.startswith("class ")]
    for block in blocks:
        # multi-line defaults (var_export of arrays) belong to the previous line
        lines = block.rstrip("\n").split("\n")
        cls = lines[0].split()[1]
        methods = []
        for l in lines:
            m = re.match(r"  (?:public|protected|private)(?: static)? function (\w+)\(", l)
            if m:
                methods.append(m.group(1))
        code = RENDERER + "\nrender_class(" + repr(cls) + ", [\n" + "".join(
            f"    '{m}',\n" for m in methods) + "]);\n"
        slug = cls.replace("Swoole\\", "").replace("\\", "_").lower()
        write(f"reflection_{slug}.phpt", f"reflection of {cls}: properties and method signatures",
              code, "\n".join(lines))


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    gen_constants()
    gen_reflection()
