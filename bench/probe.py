"""Where a page's slow requests come from (issue 15): `--clients` signed-in clients request one page
back to back against a running server, and every request slower than `--slow` ms is listed with what
the server said about it: its database time, its query count and its slowest query (the bench-only
headers of `SSD_BENCH_QUERY_HEADER=1`). A tail whose database time is small is Python or CPU
contention; one whose slowest query is always the same statement is that statement's plan.

    .venv/bin/python bench/probe.py --url http://127.0.0.1:8018 --user lt.east "/incidents/?q=fight"

Needs no database access of its own (unlike load.py): only the server and a bench sign-in.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import Client, percentile  # noqa: E402


def probe(url: str, user: str, password: str, path: str, *, clients: int, requests: int) -> list[dict]:
    rows: list[dict] = []

    def one_client(tag: str) -> None:
        client = Client(url)
        client.sign_in(user, password)
        client.request("GET", path)  # warm: templates compiled, connection open
        for _ in range(requests):
            started = time.perf_counter()
            response, _ = client.request("GET", path)
            rows.append(
                {
                    "client": tag,
                    "at": time.strftime("%H:%M:%S"),
                    "status": response.status,
                    "ms": (time.perf_counter() - started) * 1000,
                    "db_ms": response.getheader("X-SSD-DB-ms") or "?",
                    "queries": response.getheader("X-SSD-Queries") or "?",
                    "slowest": response.getheader("X-SSD-Slowest") or "(no header: SSD_BENCH_QUERY_HEADER=1?)",
                }
            )

    threads = [threading.Thread(target=one_client, args=(f"c{n}",)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--url", default="http://127.0.0.1:8018")
    parser.add_argument("--user", default="lt.east")
    parser.add_argument("--password", default="ssd-demo-Passw0rd")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--requests", type=int, default=100, help="per client")
    parser.add_argument("--slow", type=float, default=150.0, help="list requests slower than this (ms)")
    args = parser.parse_args(argv)
    rows = probe(args.url, args.user, args.password, args.path, clients=args.clients, requests=args.requests)
    times = [r["ms"] for r in rows]
    print(
        f"{args.path} as {args.user}, {args.clients} clients, {len(rows)} requests: p50 {percentile(times, 0.5):.0f}"
        f" p95 {percentile(times, 0.95):.0f} max {max(times):.0f} ms"
    )
    for r in rows:
        if r["ms"] > args.slow or r["status"] != 200:
            print(
                f"{r['at']} {r['client']} {r['status']} {r['ms']:6.0f} ms  db {r['db_ms']} ms in {r['queries']} q"
                f"  slowest {r['slowest']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
