#!/usr/bin/env python3
"""Print an apt source (deb822) for Debian bullseye built from this machine's own
Debian entry: the same mirror URI and Signed-By as its main Debian archive
entry, suite bullseye, component main.

Reads /etc/apt/sources.list.d/*.sources (deb822), /etc/apt/sources.list and
/etc/apt/sources.list.d/*.list (one-line style). The entry chosen is the first
`deb` entry whose suites include a release suite (no -security, -updates,
-backports) and whose URI is not a security mirror. Falls back to
http://deb.debian.org/debian when nothing matches.

Usage: bullseye_source.py [APT_ETC]   (default /etc/apt)
"""

import glob
import os
import re
import sys

etc = sys.argv[1] if len(sys.argv) > 1 else "/etc/apt"
SKIP = ("bullseye",)  # never derive from an entry we wrote ourselves


def deb822_entries(path):
    with open(path, errors="replace") as f:
        text = f.read()
    for block in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        for line in block.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0] in " \t" and key:
                fields[key] += " " + line.strip()
                continue
            if ":" in line:
                key, value = line.split(":", 1)
                key = key.strip().lower()
                fields[key] = value.strip()
        if not fields or fields.get("enabled", "yes").lower() == "no":
            continue
        if "deb" not in fields.get("types", "").split():
            continue
        yield {
            "uris": fields.get("uris", "").split(),
            "suites": fields.get("suites", "").split(),
            "signed_by": fields.get("signed-by"),
        }


def one_line_entries(path):
    with open(path, errors="replace") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line.startswith("deb "):
                continue
            opts, rest = {}, line[4:].strip()
            m = re.match(r"\[([^\]]*)\]\s*(.*)", rest)
            if m:
                for o in m.group(1).split():
                    if "=" in o:
                        k, v = o.split("=", 1)
                        opts[k.lower()] = v
                rest = m.group(2)
            parts = rest.split()
            if len(parts) < 2:
                continue
            yield {"uris": [parts[0]], "suites": [parts[1]], "signed_by": opts.get("signed-by")}


def entries():
    for p in sorted(glob.glob(os.path.join(etc, "sources.list.d", "*.sources"))):
        yield from deb822_entries(p)
    main = os.path.join(etc, "sources.list")
    if os.path.exists(main):
        yield from one_line_entries(main)
    for p in sorted(glob.glob(os.path.join(etc, "sources.list.d", "*.list"))):
        yield from one_line_entries(p)


uri, signed_by = None, None
for e in entries():
    release = [s for s in e["suites"] if "-" not in s and "/" not in s and s not in SKIP]
    uris = [u for u in e["uris"] if "security" not in u]
    if release and uris:
        uri, signed_by = uris[0], e["signed_by"]
        break
if uri is None:
    uri = "http://deb.debian.org/debian"
if signed_by and not signed_by.startswith("/"):
    signed_by = None  # an inline key block: use the archive keyring instead
if signed_by is None and os.path.exists("/usr/share/keyrings/debian-archive-keyring.gpg"):
    signed_by = "/usr/share/keyrings/debian-archive-keyring.gpg"

print("# Added by swoole-rs scripts/autobahn.sh: Debian bullseye, only for python2.7")
print("# (the Autobahn testsuite is Python 2.7 only). Pinned at priority 100 in")
print("# /etc/apt/preferences.d/swoole-rs-bullseye, so nothing else comes from it.")
print("Types: deb")
print(f"URIs: {uri}")
print("Suites: bullseye")
print("Components: main")
if signed_by:
    print(f"Signed-By: {signed_by}")
