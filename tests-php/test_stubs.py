"""php-stubs/swoole.php and the extension declare the same API.

Two PHP processes dump what Reflection sees (tests-php/tools/reflect_api.php):
one WITH the extension (everything ReflectionExtension('swoole') registers),
one WITHOUT it that `require`s the stub file (only what that file declares).
`compare()` lists every difference: classes, class aliases, methods,
parameters, properties, class constants, functions, global constants.

Normalisation rules (everything else is compared exactly):

* Types are compared as sets of union members: a leading ``?`` is ``|null``,
  members are lower-cased (class names are case-insensitive), a leading ``\\``
  is dropped, and the order is ignored (``string|int`` == ``int|string``).
  Nothing is skipped: the extension builds its own argument info from
  signature text (src/php/arginfo.rs), so it can state every type the stubs
  use (unions, ``mixed``, ``?callable``, class names); a missing type and
  ``mixed`` are therefore different, and so are ``bool`` and ``true``.
* A return type is the declared one, or the tentative one when Reflection
  reports only that (internal methods may declare tentative types).
* Default values are compared as var_export() of the evaluated value (so
  ``1``, ``1.0``, ``'1'`` and ``true`` differ); when both sides name a
  constant (``= SWOOLE_BASE``) the names are compared too, after dropping a
  leading ``\\`` (the stubs write ``\\SWOOLE_BASE`` inside namespaces).
* A float parameter's int default equals the same float default: PHP turns
  the int literal default of a ``float`` (not ``int``) parameter of user code
  into a float at compile time, so the stubs cannot write Swoole's
  ``float $timeout = 0`` other than as ``0.0``, while internal argument info
  keeps the text ``0``; both mean 0.0 once passed.
* Property defaults: an internal class's default comes from its default
  property table, a stub's from the declaration; Reflection reports both
  through hasDefaultValue()/getDefaultValue() and getDefaultProperties(). An
  untyped property without an explicit default has the implicit default
  ``null``, so "no default" on an untyped property counts as ``NULL``. Both
  ways of reading the default are compared.
* Method and function names are matched case-insensitively (as PHP calls
  them), then their spelling is compared too (``addlistener`` is Swoole's).
* Class aliases: the extension's come from ReflectionExtension::getClasses()
  (an alias is listed under its own name) plus every name the stub file
  mentions that class_exists() resolves to a swoole class of another name;
  the stubs' are the class_alias() calls (a name whose getName() differs).
  A stub that declares an alias as a subclass (``class swoole_server extends
  \\Swoole\\Server {}``) is reported: in the extension the two names are one
  class.
* A method, property or class constant that both sides inherit from the same
  compared ancestor is compared in that ancestor only (one message, not one
  per subclass), and one missing there is reported there only; which class
  declares it is compared everywhere.
* ``doc`` (whether the stubs carry a doc comment) is not compared with the
  extension (internal functions have none); test_stubs_document_everything
  checks it on the stub side.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from conftest import PHP, ROOT, php_cmd, require_extension

STUBS = ROOT / "php-stubs" / "swoole.php"
TOOL = ROOT / "tests-php" / "tools" / "reflect_api.php"


# --------------------------------------------------------------------------
# Dumping
# --------------------------------------------------------------------------

def _run_json(cmd: list) -> dict:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                       cwd=str(ROOT))
    assert r.returncode == 0, f"{' '.join(cmd)} exited {r.returncode}\n{r.stdout[-4000:]}\n{r.stderr}"
    assert r.stderr.strip() == "", f"{' '.join(cmd)} wrote to stderr:\n{r.stderr}"
    return json.loads(r.stdout)


def dump_extension() -> dict:
    require_extension()
    # With ext-sockets (php8.2-common) loaded, as IDEs know it: without it
    # the extension also defines ext-sockets' constants (AF_INET, ...), as
    # Swoole does, and those belong to ext-sockets' stubs, not ours.
    return _run_json(php_cmd() + ["-d", "extension=sockets", str(TOOL), "ext", str(STUBS)])


def dump_stubs() -> dict:
    # -n: no php.ini, so no swoole (or anything else) loaded from the system config
    return _run_json([PHP, "-n", "-d", "display_errors=stderr", "-d", "error_reporting=-1",
                      str(TOOL), "stubs", str(STUBS)])


# --------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------

def norm_type(t: str | None) -> str | None:
    """'?\\Foo\\Bar' -> 'foo\\bar|null'; 'string|int' -> 'int|string'."""
    if t is None:
        return None
    t = t.strip()
    members = set()
    if t.startswith("?"):
        members.add("null")
        t = t[1:]
    for part in t.split("|"):
        part = part.strip().lstrip("\\").lower()
        if part:
            members.add(part)
    return "|".join(sorted(members))


def norm_const(name: str | None) -> str | None:
    return None if name is None else name.lstrip("\\")


def _ret(f: dict) -> str | None:
    return norm_type(f.get("return") or f.get("tentative_return"))


def _prop_default(p: dict) -> str | None:
    if p["has_default"]:
        return p["default"]
    if p["type"] is None:
        return "NULL"  # implicit default of an untyped property
    return None  # typed, uninitialized


def _same_default(ptype: str | None, ext: str, stub: str) -> bool:
    if ext == stub:
        return True
    members = set((norm_type(ptype) or "").split("|"))
    if "float" in members and "int" not in members:
        number = re.compile(r"-?\d+(\.\d+)?(E[-+]?\d+)?")  # var_export() of an int or a float
        if number.fullmatch(ext) and number.fullmatch(stub):
            return float(ext) == float(stub)
    return False


def _show(v) -> str:
    return repr(v).replace("\\\\", "\\")  # class names with single backslashes


def _cmp(out: list, where: str, what: str, ext, stub) -> None:
    if ext != stub:
        out.append(f"{where}: {what} differs: extension {_show(ext)}, stubs {_show(stub)}")


def compare_params(where: str, e: list, s: list, out: list) -> None:
    if len(e) != len(s):
        out.append(
            f"{where}: parameter count differs: extension {len(e)} "
            f"({', '.join('$' + p['name'] for p in e)}), stubs {len(s)} "
            f"({', '.join('$' + p['name'] for p in s)})"
        )
    for i, (pe, ps) in enumerate(zip(e, s)):
        pw = f"{where} parameter #{i}"
        if pe["name"] != ps["name"]:
            out.append(f"{pw}: name differs: extension ${pe['name']}, stubs ${ps['name']}")
        pw = f"{where} ${pe['name']}"
        _cmp(out, pw, "position", pe["position"], ps["position"])
        for key in ("optional", "by_ref", "variadic", "has_default"):
            _cmp(out, pw, key, pe[key], ps[key])
        _cmp(out, pw, "type", norm_type(pe["type"]), norm_type(ps["type"]))
        if pe["has_default"] and ps["has_default"]:
            if not _same_default(ps["type"], pe["default"], ps["default"]):
                _cmp(out, pw, "default value", pe["default"], ps["default"])
            ce, cs = norm_const(pe["default_const"]), norm_const(ps["default_const"])
            if ce is not None and cs is not None:
                _cmp(out, pw, "default constant", ce, cs)


def compare_functions(where: str, e: dict, s: dict, out: list) -> None:
    _cmp(out, where, "name spelling", e["name"], s["name"])
    compare_params(where, e["params"], s["params"], out)
    _cmp(out, where, "required parameter count", e["required"], s["required"])
    _cmp(out, where, "return type", _ret(e), _ret(s))
    _cmp(out, where, "returns by reference", e["by_ref_return"], s["by_ref_return"])
    for key in ("static", "visibility", "final", "abstract"):
        if key in e or key in s:
            _cmp(out, where, key, e.get(key), s.get(key))
    if "class" in e or "class" in s:
        _cmp(out, where, "declaring class", e.get("class"), s.get("class"))


def _by_lower(d: dict) -> dict:
    return {k.lower(): v for k, v in d.items()}


def _inherited(name: str, e: dict, s: dict, compared: set) -> bool:
    """Declared by the same ancestor on both sides, which is compared itself:
    report its differences there only, not once per subclass."""
    decl = e.get("class")
    return bool(decl) and decl == s.get("class") and decl != name and decl.lower() in compared


def _elsewhere(name: str, item: dict, compared: set) -> bool:
    """Declared by another compared class (an ancestor), which reports it if it is missing."""
    decl = item.get("class")
    return bool(decl) and decl != name and decl.lower() in compared


def compare_class(name: str, e: dict, s: dict, out: list, compared: set = frozenset()) -> None:
    for key in ("kind", "parent", "interfaces", "final", "abstract"):
        _cmp(out, f"class {name}", key, e[key], s[key])

    em, sm = _by_lower(e["methods"]), _by_lower(s["methods"])
    for m in sorted(em.keys() - sm.keys()):
        if not _elsewhere(name, em[m], compared):
            out.append(f"method {name}::{em[m]['name']}(): in the extension, missing from the stubs")
    for m in sorted(sm.keys() - em.keys()):
        if not _elsewhere(name, sm[m], compared):
            out.append(f"method {name}::{sm[m]['name']}(): in the stubs, not in the extension")
    for m in sorted(em.keys() & sm.keys()):
        if _inherited(name, em[m], sm[m], compared):
            continue
        compare_functions(f"method {name}::{em[m]['name']}()", em[m], sm[m], out)

    ep, sp = e["properties"], s["properties"]
    for p in sorted(ep.keys() - sp.keys()):
        if not _elsewhere(name, ep[p], compared):
            out.append(f"property {name}::${p}: in the extension, missing from the stubs")
    for p in sorted(sp.keys() - ep.keys()):
        if not _elsewhere(name, sp[p], compared):
            out.append(f"property {name}::${p}: in the stubs, not in the extension")
    for p in sorted(ep.keys() & sp.keys()):
        pe, ps = ep[p], sp[p]
        if _inherited(name, pe, ps, compared):
            continue
        where = f"property {name}::${p}"
        for key in ("static", "visibility", "readonly", "class"):
            _cmp(out, where, key, pe[key], ps[key])
        _cmp(out, where, "type", norm_type(pe["type"]), norm_type(ps["type"]))
        _cmp(out, where, "default value", _prop_default(pe), _prop_default(ps))
        _cmp(out, where, "default (getDefaultProperties)", pe["table_default"], ps["table_default"])

    ec, sc = e["constants"], s["constants"]
    for c in sorted(ec.keys() - sc.keys()):
        if not _elsewhere(name, ec[c], compared):
            out.append(f"class constant {name}::{c}: in the extension, missing from the stubs")
    for c in sorted(sc.keys() - ec.keys()):
        if not _elsewhere(name, sc[c], compared):
            out.append(f"class constant {name}::{c}: in the stubs, not in the extension")
    for c in sorted(ec.keys() & sc.keys()):
        if _inherited(name, ec[c], sc[c], compared):
            continue
        for key in ("value", "visibility", "final", "class"):
            _cmp(out, f"class constant {name}::{c}", key, ec[c][key], sc[c][key])


def compare(ext: dict, stubs: dict) -> list:
    """Every difference between two reflect_api.php dumps, as messages."""
    out: list = []

    ec, sc = _by_lower(ext["classes"]), _by_lower(stubs["classes"])
    ea, sa = _by_lower(ext["aliases"]), _by_lower(stubs["aliases"])
    for c in sorted(ec.keys() - sc.keys()):
        if c in sa:
            out.append(f"class {ec[c]['name']}: the stubs make it an alias of {sa[c]}")
        else:
            out.append(f"class {ec[c]['name']}: in the extension, missing from the stubs")
    for c in sorted(sc.keys() - ec.keys()):
        if c in ea:
            out.append(
                f"class alias {c}: the extension makes it an alias of {ea[c]}, "
                f"the stubs declare a separate class {sc[c]['name']}"
                + (f" extending {sc[c]['parent']}" if sc[c]["parent"] else "")
                + " (use class_alias())"
            )
        else:
            out.append(f"class {sc[c]['name']}: in the stubs, not in the extension")
    for c in sorted(ec.keys() & sc.keys()):
        e, s = ec[c], sc[c]
        _cmp(out, f"class {e['name']}", "name spelling", e["name"], s["name"])
        compare_class(e["name"], e, s, out, ec.keys() & sc.keys())

    for a in sorted(ea.keys() - sa.keys()):
        if a not in sc:
            out.append(f"class alias {a} (of {ea[a]}): in the extension, missing from the stubs")
    for a in sorted(sa.keys() - ea.keys()):
        if a not in ec:
            out.append(f"class alias {a} (of {sa[a]}): in the stubs, not in the extension")
    for a in sorted(ea.keys() & sa.keys()):
        if ea[a].lower() != sa[a].lower():
            out.append(f"class alias {a}: target differs: extension {ea[a]}, stubs {sa[a]}")

    ef, sf = _by_lower(ext["functions"]), _by_lower(stubs["functions"])
    for f in sorted(ef.keys() - sf.keys()):
        out.append(f"function {ef[f]['name']}(): in the extension, missing from the stubs")
    for f in sorted(sf.keys() - ef.keys()):
        out.append(f"function {sf[f]['name']}(): in the stubs, not in the extension")
    for f in sorted(ef.keys() & sf.keys()):
        compare_functions(f"function {ef[f]['name']}()", ef[f], sf[f], out)

    ek, sk = ext["constants"], stubs["constants"]
    for k in sorted(ek.keys() - sk.keys()):
        out.append(f"constant {k}: in the extension ({ek[k]}), missing from the stubs")
    for k in sorted(sk.keys() - ek.keys()):
        out.append(f"constant {k}: in the stubs ({sk[k]}), not in the extension")
    for k in sorted(ek.keys() & sk.keys()):
        _cmp(out, f"constant {k}", "value", ek[k], sk[k])
    return out


# --------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dumps():
    return dump_extension(), dump_stubs()


def test_stubs_lint():
    r = subprocess.run([PHP, "-n", "-l", str(STUBS)], capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "No syntax errors detected" in r.stdout, r.stdout


def test_dumps_are_not_empty(dumps):
    """Guard against a comparison of two empty dumps passing."""
    ext, stubs = dumps
    for d, who in ((ext, "extension"), (stubs, "stubs")):
        assert "Swoole\\WebSocket\\Server" in d["classes"], who
        assert "push" in d["classes"]["Swoole\\WebSocket\\Server"]["methods"], who
        assert "swoole_timer_tick" in d["functions"], who
        assert d["constants"].get("SWOOLE_BASE") == "1", who
        assert len(d["constants"]) > 300, who
    assert ext["aliases"].get("swoole_websocket_server") == "Swoole\\WebSocket\\Server"


def test_stubs_match_extension(dumps):
    ext, stubs = dumps
    diffs = compare(ext, stubs)
    assert not diffs, f"{len(diffs)} difference(s) between the extension and {STUBS.name}:\n" + "\n".join(diffs)


def test_stubs_document_everything(dumps):
    """Every class, method, property, class constant, function and global
    constant the stubs declare carries a doc comment (methods inherited from
    PHP's own classes excepted)."""
    _, stubs = dumps
    ours = set(stubs["classes"])
    missing = []
    for cname, c in stubs["classes"].items():
        if not c["doc"]:
            missing.append(f"class {cname}")
        for m in c["methods"].values():
            if m["class"] == cname and not m["doc"]:
                missing.append(f"method {cname}::{m['name']}()")
        for pname, p in c["properties"].items():
            if p["class"] == cname and not p["doc"]:
                missing.append(f"property {cname}::${pname}")
        for kname, k in c["constants"].items():
            if k["class"] == cname and k["class"] in ours and not k["doc"]:
                missing.append(f"class constant {cname}::{kname}")
    for f in stubs["functions"].values():
        if not f["doc"]:
            missing.append(f"function {f['name']}()")
    # global constants and class_alias() calls: no Reflection doc comments, read the source
    lines = STUBS.read_text().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\s*const\s+(\w+)\s*=", line) or re.match(r"\s*class_alias\(.*'(\w+)'\)", line)
        if not m:
            continue
        prev = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        if not prev.endswith("*/"):
            missing.append(f"{'constant' if 'const' in line else 'class alias'} {m.group(1)}")
    assert not missing, "no doc comment in the stubs for:\n" + "\n".join(missing)


# --------------------------------------------------------------------------
# The comparison itself can fail
# --------------------------------------------------------------------------

def _param(name, pos, **kw):
    p = {"name": name, "position": pos, "optional": False, "by_ref": False, "variadic": False,
         "type": "int", "has_default": False, "default": None, "default_const": None}
    p.update(kw)
    return p


def _method(name, params, cls="A\\B", ret="bool"):
    return {"name": name, "params": params, "required": sum(not p["optional"] for p in params),
            "return": ret, "tentative_return": None, "by_ref_return": False, "doc": True,
            "static": False, "visibility": "public", "final": False, "abstract": False, "class": cls}


def _sample() -> dict:
    push = _method("push", [
        _param("fd", 0),
        _param("data", 1, type="Swoole\\WebSocket\\Frame|string"),
        _param("opcode", 2, optional=True, has_default=True, default="1",
               default_const="WEBSOCKET_OPCODE_TEXT"),
    ])
    cls = {"name": "A\\B", "kind": "class", "parent": None, "interfaces": [], "final": False,
           "abstract": False, "doc": True, "methods": {"push": push},
           "properties": {"fd": {"static": False, "visibility": "public", "readonly": False,
                                 "type": None, "has_default": True, "default": "0",
                                 "table_default": "0", "class": "A\\B", "doc": True}},
           "constants": {"X": {"value": "1", "visibility": "public", "final": False,
                               "class": "A\\B", "doc": True}}}
    return {"classes": {"A\\B": cls}, "aliases": {"a_b": "A\\B"},
            "functions": {"f": _method("f", [_param("x", 0)], cls=None) | {"class": None}},
            "constants": {"K": "1", "S": "'s'"}}


def _without_method_keys(d: dict) -> dict:
    for k in ("static", "visibility", "final", "abstract", "class"):
        d.pop(k, None)
    return d


def test_compare_reports_differences():
    import copy

    a = _sample()
    a["functions"]["f"] = _without_method_keys(a["functions"]["f"])
    assert compare(a, copy.deepcopy(a)) == []

    # equal after normalisation: union order, leading backslash, ?T, \CONST
    b = copy.deepcopy(a)
    b["classes"]["A\\B"]["methods"]["push"]["params"][1]["type"] = "string|\\swoole\\websocket\\Frame"
    b["classes"]["A\\B"]["methods"]["push"]["params"][2]["default_const"] = "\\WEBSOCKET_OPCODE_TEXT"
    assert compare(a, b) == []
    # a float parameter's int default is its float default; not so for int or int|float
    fa, fb = copy.deepcopy(a), copy.deepcopy(a)
    fa["classes"]["A\\B"]["methods"]["push"]["params"][2].update(type="float", default="0", default_const=None)
    fb["classes"]["A\\B"]["methods"]["push"]["params"][2].update(type="float", default="0.0", default_const=None)
    assert compare(fa, fb) == []
    fb["classes"]["A\\B"]["methods"]["push"]["params"][2]["default"] = "0.5"
    assert len(compare(fa, fb)) == 1
    for t in ("int", "int|float"):
        fb["classes"]["A\\B"]["methods"]["push"]["params"][2].update(type=t, default="0.0")
        fa["classes"]["A\\B"]["methods"]["push"]["params"][2]["type"] = t
        assert len(compare(fa, fb)) == 1, t
    b["classes"]["A\\B"]["methods"]["push"]["params"][0]["type"] = "?int"
    a2 = copy.deepcopy(a)
    a2["classes"]["A\\B"]["methods"]["push"]["params"][0]["type"] = "int|null"
    assert compare(a2, b) == []

    b = copy.deepcopy(a)
    m = b["classes"]["A\\B"]["methods"]["push"]
    m["params"][2].update(default="2", default_const="WEBSOCKET_OPCODE_BINARY")
    m["params"][0]["name"] = "conn"
    m["params"][1]["type"] = "string"
    m["return"] = "mixed"
    b["classes"]["A\\B"]["properties"]["fd"]["default"] = "'0'"
    b["classes"]["A\\B"]["constants"]["X"]["value"] = "1.0"
    b["constants"]["K"] = "true"
    del b["constants"]["S"]
    b["functions"]["g"] = b["functions"].pop("f") | {"name": "g"}
    b["aliases"] = {}
    diffs = compare(a, b)
    text = "\n".join(diffs)
    for needle in (
        "method A\\B::push() $opcode: default value differs: extension '1', stubs '2'",
        "method A\\B::push() $opcode: default constant differs",
        "method A\\B::push() parameter #0: name differs: extension $fd, stubs $conn",
        "method A\\B::push() $data: type differs",
        "method A\\B::push(): return type differs: extension 'bool', stubs 'mixed'",
        "property A\\B::$fd: default value differs: extension '0', stubs \"'0'\"",
        "class constant A\\B::X: value differs: extension '1', stubs '1.0'",
        "constant K: value differs: extension '1', stubs 'true'",
        "constant S: in the extension ('s'), missing from the stubs",
        "function f(): in the extension, missing from the stubs",
        "function g(): in the stubs, not in the extension",
        "class alias a_b (of A\\B): in the extension, missing from the stubs",
    ):
        assert needle in text, f"{needle!r} not reported; got:\n{text}"

    # missing method / parameter / class; alias declared as a subclass
    b = copy.deepcopy(a)
    b["classes"]["A\\B"]["methods"]["push"]["params"].pop()
    b["classes"]["A\\B"]["methods"]["close"] = _method("close", [])
    b["classes"]["a_b"] = copy.deepcopy(b["classes"]["A\\B"]) | {"name": "a_b", "parent": "A\\B"}
    b["aliases"] = {}
    text = "\n".join(compare(a, b))
    assert "method A\\B::push(): parameter count differs: extension 3" in text, text
    assert "method A\\B::close(): in the stubs, not in the extension" in text, text
    assert "class alias a_b: the extension makes it an alias of A\\B, the stubs declare a separate class" in text, text

    # a difference in an inherited method is reported once, by the class that declares it
    a3 = copy.deepcopy(a)
    child = copy.deepcopy(a3["classes"]["A\\B"]) | {"name": "A\\C", "parent": "A\\B", "constants": {},
                                                      "properties": {}}
    a3["classes"]["A\\C"] = child
    b3 = copy.deepcopy(a3)
    for c in ("A\\B", "A\\C"):
        b3["classes"][c]["methods"]["push"]["params"][0]["name"] = "conn"
    diffs = compare(a3, b3)
    assert diffs == ["method A\\B::push() parameter #0: name differs: extension $fd, stubs $conn"], diffs
    del b3["classes"]["A\\B"]["methods"]["push"], b3["classes"]["A\\C"]["methods"]["push"]
    diffs = compare(a3, b3)
    assert diffs == ["method A\\B::push(): in the extension, missing from the stubs"], diffs
    # ...but a subclass that re-declares it on one side only is reported
    b3 = copy.deepcopy(a3)
    b3["classes"]["A\\C"]["methods"]["push"]["class"] = "A\\C"
    assert "method A\\C::push(): declaring class differs: extension 'A\\B', stubs 'A\\C'" in compare(a3, b3)
