"""Load run: every page of the product, signed in as each role, against a running server (issue 15).

    # a server on the generated database, with the bench-only query header:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssd_scale SSD_BENCH_QUERY_HEADER=1 DEBUG=0 \
        DB_CONN_MAX_AGE=60 .venv/bin/gunicorn ssd.wsgi -w 2 -b 127.0.0.1:8018
    # then, with the same DATABASE_URL (read only: to pick each role's incident, school, deep cursor):
    DATABASE_URL=... .venv/bin/python bench/load.py --url http://127.0.0.1:8018 --runs 3

A small, documented equivalent of `locust --headless`: for each role, `--clients` threads each sign
in through the real sign-in page (password and the system-use notice; MFA is not enrolled on the
bench accounts and `SSD_REQUIRE_MFA` is off in development) and keep their own session and
keep-alive connection; then for each page the clients share `--requests` GETs, back to back.
Per page and role: req/s (requests / wall time), p50 and p95 latency (client side, full response
read), and queries per request from `X-SSD-Queries` (absent unless the server runs with
`SSD_BENCH_QUERY_HEADER=1`). Every figure is the median over `--runs` runs. A non-200 answer is
reported, never timed as a success. Results: a Markdown table on stdout and var/bench/load-*.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_ROLES = ["commander", "sgt.7d", "lt.east", "sro.anacostia-hs"]
DEEP = 500  # the issue's `?page=500`: 12,475 rows down
OTHER_PAGES = [
    "training:list",
    "advisories:list",
    "contracts:overview",
    "contracts:discrepancies",
    "visits:index",
    "meetings:index",
    "safetyplans:board",
    "safetyplans:programs",
    "reports:index",
]
HX = {"HX-Request": "true", "X-SSD-Background": "1"}


class Client:
    """One signed-in browser: a keep-alive connection, its cookies."""

    def __init__(self, url: str):
        parsed = urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=900)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        hdrs = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
            hdrs["Referer"] = f"http://{self.host}:{self.port}{path}"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                response = self.conn.getresponse()
                content = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # gunicorn closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=900)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";")[0]
        return response, content

    def sign_in(self, username: str, password: str) -> None:
        _, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        response, _ = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password, "acknowledge": "on"},
        )
        if response.status != 302 or "/accounts/2fa/" in (response.getheader("Location") or ""):
            raise SystemExit(f"sign-in as {username} failed: {response.status} {response.getheader('Location')}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _deepest_inbox(user) -> str:
    """The inbox's last page (the oldest 25 of the user's in-app rows; the commander's is ~7,300
    pages down), by the cursor an "Older" link would carry."""
    from notifications.models import Channel, Notification
    from ssd.keyset import encode_cursor

    mine = Notification.objects.filter(recipient=user, channel=Channel.IN_APP)
    row = mine.order_by("created_at", "id")[25:26].first()
    return f"/notifications/?older={encode_cursor(row, 'created_at')}" if row else "/notifications/"


def pages_for(username: str, *, keyset: bool) -> list[tuple]:
    """(label, path) for every page, with this role's own incident, school and deep cursor."""
    from django.contrib.auth import get_user_model

    from incidents.models import IncidentCategory
    from incidents.selectors import encode_cursor, incident_list
    from schools.selectors import school_list

    user = get_user_model().objects.get(username=username)
    visible = incident_list(user=user)
    first = visible.first()
    school = school_list(user=user).order_by("pk").first()
    deep = f"/incidents/?page={DEEP}"
    if keyset:
        row = visible[(DEEP - 1) * 25 - 1 : (DEEP - 1) * 25].first()
        deep = f"/incidents/?older={encode_cursor(row, 'occurred_at')}" if row else "/incidents/"
    category = IncidentCategory.objects.filter(name="Simple Assault").first() or IncidentCategory.objects.first()
    today = dt.date.today()
    by_dates = urlencode(
        {"occurred_from": (today - dt.timedelta(days=730)).isoformat(), "occurred_to": today.isoformat(),
         "category": category.pk}
    )
    pages = [
        ("floor: /accounts/password/", "/accounts/password/"),
        ("/", "/"),
        ("/incidents/", "/incidents/"),
        (f"/incidents/ page {DEEP}", deep),
        ("/incidents/?q=fight", "/incidents/?q=fight"),
        ("/incidents/ dates+category", f"/incidents/?{by_dates}"),
        ("/incidents/follow-ups/", "/incidents/follow-ups/"),
        ("/incidents/review/", "/incidents/review/"),
        ("/incidents/<id>/", f"/incidents/{first.pk}/" if first else "/incidents/0/"),
        ("/schools/", "/schools/"),
        ("/schools/<id>/", f"/schools/{school.pk}/" if school else "/schools/0/"),
        ("/notifications/", "/notifications/"),
        ("/notifications/ deepest", _deepest_inbox(user) if keyset else "/notifications/"),
        ("/people/", "/people/"),
    ]
    # The other apps' pages in the main navigation (their tables come from bench/generate_<app>.py);
    # a role without access is reported as its status (403), never timed.
    from django.urls import NoReverseMatch, reverse

    for name in OTHER_PAGES:
        try:
            path = reverse(name)
        except NoReverseMatch:
            continue
        pages.append((path, path))
    # The report's sections, fetched by /reports/ once it is there (reports.views.SECTIONS).
    try:
        from reports.views import SECTIONS

        for section in SECTIONS:
            pages.append((f"/reports/ section {section}", reverse("reports:section", args=[section]), HX))
    except ImportError:
        pass
    # The home page's deferred panels (ssd.panels Panel.defer): each its own request once the page
    # is there, as htmx sends it. One with nothing for this role answers an empty fragment.
    from ssd.panels import registered

    for panel in registered("home"):
        if panel.defer:
            pages.append((f"/ panel {panel.key}", f"/panels/{panel.key}/?deferred=1", HX))
    return pages


def run_page(clients: list[Client], path: str, n: int, headers: dict | None = None) -> dict:
    timings: list[float] = []
    queries: list[int] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    todo = list(range(n))

    def work(client: Client) -> None:
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            started = time.perf_counter()
            response, _ = client.request("GET", path, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if response.status == 200:
                    timings.append(elapsed)
                    q = response.getheader("X-SSD-Queries")
                    if q is not None:
                        queries.append(int(q))

    wall = time.perf_counter()
    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - wall
    if not timings:
        return {"status": statuses}
    return {
        "status": statuses,
        "rps": len(timings) / wall,
        "p50": percentile(timings, 0.5),
        "p95": percentile(timings, 0.95),
        "queries": max(queries) if queries else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8018")
    parser.add_argument("--password", default="ssd-demo-Passw0rd")
    parser.add_argument("--roles", default=",".join(DEFAULT_ROLES))
    parser.add_argument("--clients", type=int, default=2, help="concurrent signed-in clients per role")
    parser.add_argument("--requests", type=int, default=20, help="requests per page, per role, per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", default="", help="only pages whose label contains one of these (comma-separated)")
    parser.add_argument("--label", default="", help="a name for the run, kept in the JSON")
    parser.add_argument("--no-warm", action="store_true", help="skip the warm-up pass (for very slow pages)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssd.settings")
    import django

    django.setup()

    roles = [r for r in args.roles.split(",") if r]
    only = [p for p in args.pages.split(",") if p]
    probe = Client(args.url)
    probe.sign_in(roles[-1], args.password)
    _, html = probe.request("GET", "/incidents/")
    keyset = b"older=" in html
    results: dict[str, dict[str, list[dict]]] = {}
    loads: list[float] = [os.getloadavg()[0]]
    started = dt.datetime.now(dt.UTC)
    for role in roles:
        clients = []
        for _ in range(args.clients):
            client = Client(args.url)
            client.sign_in(role, args.password)
            clients.append(client)
        pages = [p for p in pages_for(role, keyset=keyset) if not only or any(o in p[0] for o in only)]
        for client in clients if not args.no_warm else []:  # warm: templates, connections, caches
            for _, path, *headers in pages:
                client.request("GET", path, headers=headers[0] if headers else None)
        for run in range(args.runs):
            loads.append(os.getloadavg()[0])
            for label, path, *headers in pages:
                r = run_page(clients, path, args.requests, headers[0] if headers else None)
                results.setdefault(label, {}).setdefault(role, []).append(r)
                if r.get("p95") is not None:
                    print(f"run {run + 1} {role:<18} {label:<28} p50 {r['p50']:7.0f}  p95 {r['p95']:7.0f} ms"
                          f"  {r['rps']:6.1f} req/s  q={r['queries']}", file=sys.stderr, flush=True)
                else:
                    print(f"run {run + 1} {role:<18} {label:<28} {r['status']}", file=sys.stderr, flush=True)

    loads.append(os.getloadavg()[0])
    finished = dt.datetime.now(dt.UTC)
    print(f"\nLoad run {started:%Y-%m-%d %H:%M}-{finished:%H:%M} UTC: {args.clients} clients per role, "
          f"{args.requests} requests per page per run, median of {args.runs} runs; "
          f"{'keyset' if keyset else 'page-number'} pagination. 1-minute load average "
          f"{min(loads):.1f}-{max(loads):.1f} (sampled at each role's runs).\n")
    print("p50 / p95 ms, req/s, queries per request\n")
    print("| page | " + " | ".join(roles) + " |")
    print("| --- | " + " | ".join("---" for _ in roles) + " |")
    summary = {}
    for label, by_role in results.items():
        cells = []
        for role in roles:
            runs = by_role.get(role, [])
            ok = [r for r in runs if r.get("p95") is not None]
            if not ok:
                codes = sorted({c for r in runs for c in r["status"]})
                cells.append("— (" + ",".join(map(str, codes)) + ")")
                continue
            p50 = statistics.median(r["p50"] for r in ok)
            p95 = statistics.median(r["p95"] for r in ok)
            rps = statistics.median(r["rps"] for r in ok)
            q = ok[0]["queries"]
            summary.setdefault(label, {})[role] = {"p50": p50, "p95": p95, "rps": rps, "queries": q}
            cells.append(f"{p50:,.0f} / {p95:,.0f}, {rps:.1f}/s, {q if q is not None else '?'} q")
        print(f"| {label} | " + " | ".join(cells) + " |")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"load-{started:%Y%m%d-%H%M%S}.json"
    record = {"label": args.label, "args": vars(args), "loadavg": loads, "summary": summary, "raw": results}
    path.write_text(json.dumps(record, indent=1, default=str))
    print(f"\n(raw: {path.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
