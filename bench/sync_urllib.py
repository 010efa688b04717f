#!/usr/bin/env python3
"""What an administrator would otherwise write: page the same classes with
the same $select through urllib, parse with json, store with sqlite3 in one
transaction. Used by bench/sync.sh for comparison; not part of osdwarden."""
import json
import sqlite3
import ssl
import sys
import urllib.request

base, cafile, db = sys.argv[1], sys.argv[2], sys.argv[3]
classes = json.loads(sys.argv[4])  # [[class, select], ...]

def clean(v):
    # Without this the script dies on a lone UTF-16 surrogate in a name
    # (sqlite3 refuses it), as a naive script would on such a site.
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    if isinstance(v, str):
        return v.encode("utf-8", "replace").decode("utf-8")
    return v


ctx = ssl.create_default_context(cafile=cafile)
con = sqlite3.connect(db)
con.execute("BEGIN")
for cls, select in classes:
    cols = select.split(",")
    con.execute(f'CREATE TABLE IF NOT EXISTS "{cls}" ({", ".join(f"{c!r} TEXT" for c in cols)})')
    sql = f'INSERT INTO "{cls}" VALUES ({", ".join("?" * len(cols))})'
    skip = 0
    while True:
        url = f"{base}/wmi/{cls}?$select={select}&$top=1000&$skip={skip}"
        with urllib.request.urlopen(url, context=ctx) as r:
            rows = json.load(r)["value"]
        con.executemany(sql, ([clean(row.get(c)) for c in cols] for row in rows))
        if len(rows) < 1000:
            break
        skip += 1000
con.commit()
