#!/usr/bin/env python3
"""What an administrator would otherwise write, made a fair peer: exactly the
requests osdwarden made (the lab's log of them, in order), over ONE kept-alive
HTTPS connection (http.client), each answer parsed with json and its rows
stored with sqlite3 in one transaction, one table per class with the
$select'ed properties as columns. Used by bench/sync.sh for comparison; not
part of osdwarden.

    sync_urllib.py ORIGIN CAFILE DB REQUESTS_LOG
"""
import http.client
import json
import sqlite3
import ssl
import sys
import urllib.parse

origin, cafile, db, log = sys.argv[1:5]


def clean(v):
    # Without this the script dies on a lone UTF-16 surrogate in a name
    # (sqlite3 refuses it), as a naive script would on such a site.
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    if isinstance(v, str):
        return v.encode("utf-8", "replace").decode("utf-8")
    return v


host = urllib.parse.urlsplit(origin)
ctx = ssl.create_default_context(cafile=cafile)
conn = http.client.HTTPSConnection(host.hostname, host.port, context=ctx)
con = sqlite3.connect(db)
con.execute("BEGIN")
tables = {}
for line in open(log):
    r = json.loads(line)
    if r.get("method", "GET") != "GET":
        continue
    path = r["path"] + ("?" + r["query"] if r["query"] else "")
    conn.request("GET", path, headers={"Accept": "application/json"})
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200 or r["path"].endswith(("$metadata", "/$count")):
        continue   # the CSDL and the bare counts are read, not stored
    cls = r["path"].rsplit("/", 1)[-1].split("(", 1)[0]
    query = urllib.parse.parse_qs(r["query"] or "")
    cols = query.get("$select", [""])[0].split(",") if "$select" in query else ["json"]
    doc = json.loads(body)
    rows = doc.get("value", [doc]) if isinstance(doc, dict) else []
    key = (cls, tuple(cols))
    if key not in tables:
        name = f"{cls}_{len(tables)}"
        con.execute(f'CREATE TABLE "{name}" ({", ".join(f"{c!r} TEXT" for c in cols)})')
        tables[key] = f'INSERT INTO "{name}" VALUES ({", ".join("?" * len(cols))})'
    if cols == ["json"]:
        con.executemany(tables[key], ([json.dumps(row)] for row in rows))
    else:
        con.executemany(tables[key], ([clean(row.get(c)) for c in cols] for row in rows))
con.commit()
conn.close()
