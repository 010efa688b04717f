#!/usr/bin/env python3
"""osdwarden's layering, checked on the sources (CI and `meson test layers`).

The client's layers, lowest first: util < db < backend < checks < tui < cli.
A file may include headers of its own layer and of the layers below it,
never above (checks reads the contract in backend/adminservice.h; backend
knows nothing of checks). The lab shares util/ alone with the client.
Besides the includes, each library the layering confines has one home:
SQL and SQLite in db/, libcurl in backend/http*, curses in tui/, the HTTP
server (libmicrohttpd) in lab/. A header that includes such a library is
internal to that home and may not be included from elsewhere either.
Tests and benchmarks may reach everything and are not checked.

Usage: layercheck.py [--self-test] [ROOT]   (ROOT: the source tree, default:
this script's parent directory). Prints one line per violation, file:line
first, and exits 1 when there is any; exits 2 when ROOT holds no sources.
--self-test first checks the checker (a small clean tree must pass and
each violation planted into a copy of it must be reported), then the tree.
"""
import os
import re
import sys

LAYERS = ["util", "db", "backend", "checks", "tui", "cli"]
LAB = "lab"
ALLOWED = {name: set(LAYERS[: i + 1]) for i, name in enumerate(LAYERS)}
ALLOWED[LAB] = {"util", LAB}

# library -> (its headers, identifiers that use it, where it may be used:
# a directory "db/", or one module "backend/http*": backend/http.c, its
# header and its parts backend/http_*.c and .h)
LIBRARIES = {
    "SQLite": (re.compile(r"^sqlite3\.h$"),
               re.compile(r"\b(sqlite3\w*|SQLITE_\w+)\b"), "db/"),
    "libcurl": (re.compile(r"^curl/"),
                re.compile(r"\b(curl_\w+|CURL\w*)\b"), "backend/http*"),
    "curses": (re.compile(r"^(n?curses(w/\w+)?\.h|ncursesw?/.*|term\.h|panel\.h|menu\.h|form\.h)$"),
               re.compile(r"\b(initscr|endwin|newwin|delwin|wrefresh|wnoutrefresh|doupdate|"
                          r"wgetch|wget_wch|mvwprintw|mvwaddn?w?str|waddn?w?str|wattr_?on|"
                          r"wattr_?off|wattrset|start_color|init_pair|use_default_colors|"
                          r"cbreak|noecho|wbkgd|werase|setupterm)\s*\("), "tui/"),
    "libmicrohttpd": (re.compile(r"^microhttpd\.h$"),
                      re.compile(r"\bMHD_\w+\b"), "lab/"),
}

# SQL in a string literal: what only db/ may say to SQLite.
SQL = re.compile(r"\b(SELECT\s|INSERT\s+(OR\s+\w+\s+)?INTO\b|REPLACE\s+INTO\b|UPDATE\s+\w+\s+SET\b|"
                 r"DELETE\s+FROM\b|(CREATE|DROP|ALTER)\s+(TEMP\s+)?(TABLE|INDEX|VIEW|TRIGGER)\b|"
                 r"PRAGMA\s+\w|BEGIN\s+(IMMEDIATE|EXCLUSIVE|DEFERRED|TRANSACTION)\b|"
                 r"ATTACH\s+DATABASE\b|SAVEPOINT\s+\w)")

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def split_source(text):
    """The text with comments and string/char literals blanked (newlines kept),
    and the string literals as (line, contents), adjacent ones joined."""
    code = []
    strings = []
    i, n, line = 0, len(text), 1
    pending = None   # [line, contents] of a literal run not yet ended
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            chunk = text[i:j]
            code.append(re.sub(r"[^\n]", " ", chunk))
            line += chunk.count("\n")
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            code.append(" " * (j - i))
            i = j
        elif c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            body = text[i + 1:j]
            if c == '"':
                if pending is None:
                    pending = [line, body]
                else:
                    pending[1] += body
            code.append(c + " " * len(body) + c)
            i = j + 1
        else:
            if pending is not None and not c.isspace():
                strings.append(tuple(pending))
                pending = None
            if c == "\n":
                line += 1
            code.append(c)
            i += 1
    if pending is not None:
        strings.append(tuple(pending))
    return "".join(code), strings


def home_allows(home, rel):
    if home.endswith("/"):
        return rel.startswith(home)
    base = home.rstrip("*")
    return rel in (base + ".c", base + ".h") or rel.startswith(base + "_")


def check(root):
    """(status, lines): 0 clean, 1 violations, 2 no sources under root."""
    files = {}
    for layer in LAYERS + [LAB]:
        d = os.path.join(root, layer)
        found = sorted(f for f in (os.listdir(d) if os.path.isdir(d) else [])
                       if f.endswith((".c", ".h")))
        if not found:
            return 2, [f"layercheck: no C sources in {d}: is {root} the osdwarden tree?"]
        for f in found:
            rel = f"{layer}/{f}"
            with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
                files[rel] = fh.read()

    problems = []
    includes = {}   # rel -> [(line, kind, target)]
    for rel, text in files.items():
        includes[rel] = [(no, m.group(1), m.group(2))
                         for no, l in enumerate(text.split("\n"), 1)
                         for m in [INCLUDE.match(l)] if m]

    # Headers internal to a library's home: those including the library,
    # directly or through another such header.
    internal = {}   # header rel -> library name
    changed = True
    while changed:
        changed = False
        for rel, incs in includes.items():
            if not rel.endswith(".h") or rel in internal:
                continue
            for _, kind, target in incs:
                lib = None
                if kind == "<":
                    lib = next((name for name, (hdr, _, _) in LIBRARIES.items()
                                if hdr.match(target)), None)
                else:
                    lib = internal.get(target)
                if lib:
                    internal[rel] = lib
                    changed = True
                    break

    for rel, text in files.items():
        layer = rel.split("/")[0]
        for no, kind, target in includes[rel]:
            if kind == '"':
                if ".." in target.split("/"):
                    problems.append(f"{rel}:{no}: #include \"{target}\" climbs out of the tree "
                                    "layout: name the header from the top (\"layer/file.h\")")
                    continue
                top = target.split("/")[0] if "/" in target else layer
                if top not in ALLOWED[layer]:
                    where = ("across, from the lab into the client" if layer == LAB else
                             "across, from the client into the lab" if top == LAB else
                             f"up, from {layer}/ to {top}/" if top in LAYERS else
                             f"out of the product, into {top}/")
                    problems.append(f"{rel}:{no}: #include \"{target}\" points {where}; "
                                    f"{layer}/ may include only "
                                    f"{', '.join(x + '/' for x in LAYERS + [LAB] if x in ALLOWED[layer])}: "
                                    "move the code down a layer or pass what it needs in")
                lib = internal.get(target)
                if lib and not home_allows(LIBRARIES[lib][2], rel):
                    problems.append(f"{rel}:{no}: #include \"{target}\" brings {lib} outside "
                                    f"{LIBRARIES[lib][2]} ({target} is internal to it): use the "
                                    "layer's public header instead")
            else:
                for lib, (hdr, _, home) in LIBRARIES.items():
                    if hdr.match(target) and not home_allows(home, rel):
                        problems.append(f"{rel}:{no}: #include <{target}>: {lib} belongs in "
                                        f"{home} only: call what that module offers instead")

        code, strings = split_source(text)
        for lib, (_, ident, home) in LIBRARIES.items():
            if home_allows(home, rel):
                continue
            for m in ident.finditer(code):
                no = code.count("\n", 0, m.start()) + 1
                problems.append(f"{rel}:{no}: {m.group(0).rstrip('( ')} uses {lib}, which belongs "
                                f"in {home} only: call what that module offers instead")
        if layer != "db":
            for no, s in strings:
                m = SQL.search(s)
                if m:
                    problems.append(f"{rel}:{no}: SQL in a string (\"{m.group(0).strip()}...\"): "
                                    "SQL lives in db/ only; ask db/ for the rows instead")

    if problems:
        return 1, problems + [f"layercheck: {len(problems)} layer violation(s) in {root}"]
    return 0, [f"layercheck: {len(files)} files, layers {' < '.join(LAYERS)} (lab: util/ only), "
               "no violation"]


# A tree that passes, and one violation of each kind planted into a copy of
# it: the check must pass the first and name every plant (a check that
# cannot fail would pass them all).
CLEAN = {
    "util/u.h": "int u(void);\n",
    "db/d.h": '#include "util/u.h"\nint d(void);\n',
    "db/internal.h": "#include <sqlite3.h>\n",
    "db/d.c": '#include "db/internal.h"\nint d(void) { return sqlite3_exec(0, "SELECT 1", 0, 0, 0); }\n',
    "backend/http.c": '#include "backend/http_int.h"\nvoid h(void) { curl_free(0); }\n',
    "backend/http_int.h": "#include <curl/curl.h>\n",
    "backend/http_url.c": '#include "backend/http_int.h"\nvoid g(void) { curl_free(0); }\n',
    "backend/b.h": '#include "db/d.h"\n',
    "checks/c.c": '#include "backend/b.h"\n/* curl_free() and "SELECT " in a comment */\n',
    "tui/internal.h": "#include <curses.h>\n",
    "tui/t.c": '#include "tui/internal.h"\n#include "checks/c.h"\nvoid t(void) { endwin(); }\n',
    "cli/x.c": '#include "tui/tui.h"\nconst char *w = "select a site";\n',
    "lab/l.c": '#include "util/u.h"\n#include <microhttpd.h>\nint l = MHD_YES;\n',
}
PLANTS = [
    ("db/p.c", '#include "tui/tui.h"\n', "points up, from db/ to tui/"),
    ("backend/p.c", '#include "checks/c.h"\n', "points up, from backend/ to checks/"),
    ("lab/p.c", '#include "db/d.h"\n', "points across, from the lab into the client"),
    ("util/p.c", '#include "lab/l.h"\n', "points across, from the client into the lab"),
    ("util/q.c", '#include "../db/d.h"\n', "climbs out"),
    ("cli/p.c", 'const char *q = "DELETE FROM sites"\n\t" WHERE id = 1";\n', "SQL in a string"),
    ("tui/p.c", "void f(void) { curl_easy_escape(0, 0, 0); }\n", "uses libcurl"),
    ("backend/p.c", "#include <curl/curl.h>\n", "libcurl belongs in backend/http*"),
    ("backend/httpd.c", "void f(void) { curl_free(0); }\n", "uses libcurl"),
    ("backend/p.c", '#include "backend/http_int.h"\n', "internal to it"),
    ("checks/p.c", "#include <ncurses.h>\n", "curses belongs in tui/"),
    ("cli/p.c", "void f(void) { initscr(); }\n", "uses curses"),
    ("cli/p.c", '#include "db/internal.h"\n', "internal to it"),
    ("checks/p.c", "int f(void) { return sqlite3_close(0); }\n", "uses SQLite"),
    ("backend/p.c", "int f(void) { return MHD_NO; }\n", "uses libmicrohttpd"),
]


def self_test():
    import tempfile

    def tree(extra):
        d = tempfile.mkdtemp(prefix="layercheck.")
        for rel, text in {**CLEAN, **extra}.items():
            os.makedirs(os.path.join(d, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w", encoding="utf-8") as fh:
                fh.write(text)
        return d

    import shutil
    failures = []
    root = tree({})
    status, lines = check(root)
    shutil.rmtree(root)
    if status != 0:
        failures.append("the clean tree was refused: " + "; ".join(lines))
    for rel, text, expect in PLANTS:
        root = tree({rel: text})
        status, lines = check(root)
        shutil.rmtree(root)
        if status != 1 or not any(expect in l and l.startswith(rel + ":") for l in lines):
            failures.append(f"planted {rel}: {text.strip()!r}: expected a line for {rel} saying "
                            f"{expect!r}, got status {status}: " + "; ".join(lines))
    for f in failures:
        print("layercheck self-test: " + f)
    if not failures:
        print(f"layercheck self-test: the clean tree passes, all {len(PLANTS)} plants are found")
    return 1 if failures else 0


def main():
    args = sys.argv[1:]
    if args and args[0] == "--self-test":
        if self_test() != 0:
            return 1
        args = args[1:]
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    status, lines = check(root)
    for line in lines:
        print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
