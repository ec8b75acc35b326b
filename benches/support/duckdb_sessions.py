"""The index bench's DuckDB comparison: sessions from a Phoenix-style JSON Lines export.

`python duckdb_sessions.py FILE [THREADS]`: reads the file with `read_json_auto`, takes each
span's session id (`attributes.session.id`, else the session in LiteLLM's
`metadata.user_api_key_end_user_id`), propagates it through the span's trace (a trace's
session is any of its spans'), and groups the traces into sessions: traces, spans, first
start, last end. Prints the number of sessions and of spans.
"""

import sys

import duckdb

path = sys.argv[1]
con = duckdb.connect()
if len(sys.argv) > 2:
    con.execute(f"SET threads = {int(sys.argv[2])}")
rows = con.execute(
    """
    WITH spans AS (
        SELECT "context.trace_id" AS trace,
               coalesce(
                   CAST("attributes.session.id" AS VARCHAR),
                   nullif(regexp_extract(
                       CAST("attributes.metadata".user_api_key_end_user_id AS VARCHAR),
                       '_session_([0-9a-f-]+)$', 1), '')
               ) AS sid,
               start_time, end_time
        FROM read_json_auto(?)
    ),
    traces AS (
        SELECT trace, max(sid) AS sid, count(*) AS spans,
               min(start_time) AS t0, max(end_time) AS t1
        FROM spans GROUP BY trace
    )
    SELECT sid, count(*) AS traces, sum(spans) AS spans, min(t0), max(t1)
    FROM traces GROUP BY sid ORDER BY sid
    """,
    [path],
).fetchall()
print(f"sessions={len(rows)} spans={sum(r[2] for r in rows)}")
