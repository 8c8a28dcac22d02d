"""Open311 `GET requests.json` (1,000 requests from a 1,000,000-request table) against a bare Django view (not in CI).

    townhall migrate && townhall demo --no-history        # or let this script run the demo if the database is empty
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/th_bench .venv/bin/python bench/open311_requests.py
    DATABASE_URL=... .venv/bin/python bench/open311_requests.py --rows 100000 --iterations 100

PostgreSQL only: the rows are written with COPY (psycopg 3 `cursor.copy`), not the demo's
page-by-page path. Bench rows have references `BENCH-…`; a run replaces the previous
bench rows unless `--reuse` keeps them. Each request gets a realistic demo category, a
random demo address (so ward, street, UPRN, lat/lng and BNG agree), a status that depends
on its age (old ones mostly closed, in the demo's closure mix), its team from the routing
rules and, when closed, one public status update.

Both endpoints are served by the same gunicorn (same settings: bench/bench_settings.py,
DEBUG off; the same `--workers`) and loaded by the same client threads, alternating in
rounds so a noisy neighbour on the machine hurts both alike. Served over HTTP rather than
Django's test client because the Open311 goal is a latency a real client sees; the bare
view pays the same WSGI, middleware and HTTP costs, so the ratio isolates the Open311 code.
The bare view (`bare_requests_view`) runs the same filter (public requests in public
categories in the date window, newest first, 1,000) and returns the same fields with
`JsonResponse`, without Open311's rendering and latest-public-message lookup.

Afterwards the Open311 request is profiled in-process: query count, time in SQL, and
PostgreSQL's EXPLAIN ANALYZE of the slowest query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REFERENCE_PREFIX = "BENCH-"
LIMIT = 1000
# Closed outcomes of requests older than a month, roughly the demo's mix (no duplicates: those need an original).
CLOSED_MIX = {"fixed": 70, "closed": 8, "no_further_action": 10, "not_councils_responsibility": 4, "cancelled": 3}
OPEN_MIX = {"open": 40, "for_triage": 10, "investigating": 20, "in_progress": 15, "action_scheduled": 15}
MESSAGES = {
    "fixed": "This has been fixed. Thank you for reporting it.",
    "closed": "We inspected this and it does not meet our intervention level.",
    "no_further_action": "No further action is needed.",
    "not_councils_responsibility": "This is not the council's responsibility; we have passed it on.",
    "cancelled": "Cancelled at the reporter's request.",
}
OPEN311_FIELDS = (
    "reference",
    "status",
    "description",
    "received_at",
    "updated_at",
    "sla_due_at",
    "address_string",
    "uprn",
    "lat",
    "lng",
    "category__service_code",
    "category__name",
)
_WINDOW: dict[str, dt.datetime] = {}


def bare_requests_view(request: Any) -> Any:
    """The comparison: the same 1,000 rows as Open311 returns, straight from `.values()` into JsonResponse."""
    from django.http import JsonResponse

    from townhall.service_requests.models import ServiceRequest

    start = dt.datetime.fromisoformat(request.GET["start_date"])
    end = dt.datetime.fromisoformat(request.GET["end_date"])
    rows = list(
        ServiceRequest.objects.filter(
            is_public=True,
            category__is_public=True,
            awaiting_confirmation=False,
            received_at__gte=start,
            received_at__lte=end,
        )
        .order_by("-received_at", "-id")
        .values(*OPEN311_FIELDS)[:LIMIT]
    )
    return JsonResponse(rows, safe=False)


# --- data ------------------------------------------------------------------------------------------


def ensure_demo() -> None:
    from django.core.management import call_command

    from townhall.service_requests.models import Category

    if not Category.objects.exists():
        print("no catalogue yet: running `townhall demo --no-history` (small scale)")
        call_command("demo", "--no-history", "--if-empty", verbosity=0)


def generate_requests(rows: int, *, seed: int) -> float:
    """COPY `rows` requests (and one update per closed request) into the tables; returns seconds taken."""
    from django.db import connection, transaction

    from townhall.places.models import Address, Street, Ward
    from townhall.service_requests import selectors
    from townhall.service_requests.models import Category, RequestUpdate, ServiceRequest

    rng = random.Random(seed)
    started = time.perf_counter()
    addresses = list(
        Address.objects.filter(ward__isnull=False).values_list(
            "lat", "lng", "easting", "northing", "ward_id", "street_id", "uprn"
        )
    )
    street_ids = dict(Street.objects.values_list("usrn", "pk"))
    categories = list(Category.objects.filter(active=True, council_responsible=True))
    weights = [rng.uniform(0.2, 3.0) for _ in categories]
    teams: dict[tuple[int, int], int] = {}
    ward_ids = {row[4] for row in addresses}
    for category in categories:
        for ward_id in ward_ids:
            teams[(category.pk, ward_id)] = selectors.team_for(category=category, ward=Ward(pk=ward_id)).pk
    now = dt.datetime.now(dt.UTC)
    span = dt.timedelta(days=3 * 365).total_seconds()
    request_table = ServiceRequest._meta.db_table
    update_table = RequestUpdate._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        bench_ids = f"SELECT id FROM {request_table} WHERE reference LIKE %s"  # noqa: S608 - table names
        cursor.execute(f"DELETE FROM {update_table} WHERE request_id IN ({bench_ids})", [REFERENCE_PREFIX + "%"])  # noqa: S608
        cursor.execute(f"DELETE FROM {request_table} WHERE id IN ({bench_ids})", [REFERENCE_PREFIX + "%"])  # noqa: S608
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {request_table}")  # noqa: S608
        first_id = cursor.fetchone()[0] + 1
        columns = (
            "id, reference, category_id, description, lat, lng, easting, northing, ward_id, street_id, uprn, "
            "address_string, channel, contact_name, contact_email, contact_phone, status, priority, assigned_team_id, "
            "received_at, updated_at, sla_due_at, sla_paused_seconds, closed_at, first_time_resolved, is_public, "
            "awaiting_confirmation, confirmation_digest, redacted_description"
        )
        updates: list[tuple[Any, ...]] = []
        with cursor.cursor.copy(f"COPY {request_table} ({columns}) FROM STDIN") as copy:
            for number in range(rows):
                category = rng.choices(categories, weights)[0]
                lat, lng, easting, northing, ward_id, usrn, uprn = rng.choice(addresses)
                received = now - dt.timedelta(seconds=span * (number + rng.random()) / rows)
                due = received + dt.timedelta(days=category.sla_amount * 1.4)
                age_days = (now - received).days
                closed = age_days > 30 or (age_days > 2 and rng.random() < 0.5)
                mix = CLOSED_MIX if closed else OPEN_MIX
                status = rng.choices(list(mix), list(mix.values()))[0]
                closed_at = min(received + dt.timedelta(days=rng.uniform(0.2, 20)), now) if closed else None
                request_id = first_id + number
                if closed_at is not None:
                    updates.append((request_id, closed_at, status, MESSAGES[status]))
                copy.write_row(
                    (
                        request_id,
                        f"{REFERENCE_PREFIX}{number:07d}",
                        category.pk,
                        f"{category.name} reported near here, please look at it",
                        lat + rng.uniform(-0.0002, 0.0002),
                        lng + rng.uniform(-0.0002, 0.0002),
                        easting,
                        northing,
                        ward_id,
                        street_ids.get(usrn),
                        uprn,
                        "",
                        rng.choices(("web", "phone", "open311", "email"), (70, 20, 5, 5))[0],
                        "",
                        "",
                        "",
                        status,
                        category.default_priority,
                        teams[(category.pk, ward_id)],
                        received,
                        closed_at or received,
                        due,
                        0,
                        closed_at,
                        (status == "fixed") if closed_at is not None else None,
                        rng.random() > 0.01,  # about 1% flagged sensitive by staff
                        False,
                        "",
                        "",
                    )
                )
        columns = (
            "request_id, created_at, status_from, status_to, public_message, internal_note, redacted_message, "
            "channel, external_id"
        )
        with cursor.cursor.copy(f"COPY {update_table} ({columns}) FROM STDIN") as copy:
            for request_id, created_at, status, message in updates:
                copy.write_row((request_id, created_at, "open", status, message, "", "", "", ""))
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{request_table}', 'id'), (SELECT MAX(id) FROM {request_table}))"  # noqa: S608
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {request_table}")
        cursor.execute(f"ANALYZE {update_table}")
    return time.perf_counter() - started


def _window(target: int) -> tuple[dt.datetime, dt.datetime, int]:
    """The shortest window ending now (at most Open311's 90 days) holding at least `target` public requests."""
    from townhall.service_requests.models import ServiceRequest

    end = dt.datetime.now(dt.UTC).replace(microsecond=0)
    public = ServiceRequest.objects.filter(is_public=True, category__is_public=True, awaiting_confirmation=False)
    for days in (1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90):
        start = end - dt.timedelta(days=days)
        matched = public.filter(received_at__gte=start, received_at__lte=end).count()
        if matched >= target:
            break
    return start, end, matched


# --- load ------------------------------------------------------------------------------------------


def _serve(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "townhall.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=env)  # noqa: S603 - our own command line
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def _fetch(url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - localhost
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
    return time.perf_counter() - started, body


def _load(url: str, *, iterations: int, concurrency: int) -> tuple[float, list[float]]:
    """`iterations` GETs from `concurrency` threads; returns (wall seconds, each request's latency)."""
    latencies: list[float] = []
    lock = threading.Lock()
    remaining = [iterations]

    def worker() -> None:
        while True:
            with lock:
                if remaining[0] == 0:
                    return
                remaining[0] -= 1
            seconds, _ = _fetch(url)
            with lock:
                latencies.append(seconds)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _profile(path: str) -> None:
    """The Open311 request in-process: its queries (rate limiter apart), the main query's plan, where Python spends."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(path)
        total = time.perf_counter() - started
    queries = captured.captured_queries
    limiter_sql = ("_cache", "core_ratecounter")  # the database cache, or the limiter's own counter table
    cache = [
        query
        for query in queries
        if any(name in query["sql"] for name in limiter_sql) or query["sql"] in {"BEGIN", "COMMIT", "ROLLBACK"}
    ]
    sql_seconds = sum(float(query["time"]) for query in queries)
    cache_seconds = sum(float(query["time"]) for query in cache)
    print(f"\nprofile of GET {path} in-process ({response.status_code}, {len(response.content) / 1e3:,.0f} kB)")
    print(f"  {total * 1e3:.0f} ms in all; {len(queries)} queries, {sql_seconds * 1e3:.1f} ms in SQL, of which")
    print(f"  {len(cache)} for the rate limit ({cache_seconds * 1e3:.1f} ms)")
    main_query = next(query["sql"] for query in queries if '"service_requests_servicerequest"' in query["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + main_query)
        print("  EXPLAIN ANALYZE of the request query:")
        for (line,) in cursor.fetchall():
            print(f"    {line}")
    profiler = cProfile.Profile()
    profiler.runcall(client.get, path)
    print("  where the time goes (cProfile, slower than real; top functions by own time):")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(12)


def _measure(args: argparse.Namespace, *, open311_path: str, bare_path: str, matched: int) -> None:
    """Serve both endpoints from one gunicorn, load them alternately, print throughput, latency and the ratio."""
    server = _serve(args.port, args.workers, dict(os.environ))
    try:
        base = f"http://127.0.0.1:{args.port}"
        bodies = {name: _fetch(base + path)[1] for name, path in (("open311", open311_path), ("bare", bare_path))}
        open311_ids = [row["service_request_id"] for row in json.loads(bodies["open311"])]
        bare_ids = [row["reference"] for row in json.loads(bodies["bare"])]
        if open311_ids != bare_ids or len(open311_ids) != min(LIMIT, matched):
            raise SystemExit(f"the endpoints disagree: {len(open311_ids)} vs {len(bare_ids)} rows")
        size = len(bodies["open311"]) / 1e3
        print(f"both return the same {len(open311_ids):,} requests ({size:,.0f} kB of Open311 JSON)")
        results: dict[str, tuple[float, list[float]]] = {"open311": (0.0, []), "bare": (0.0, [])}
        for path in (open311_path, bare_path):
            _load(base + path, iterations=args.warmup, concurrency=args.workers)
        for _ in range(args.rounds):
            for name, path in (("open311", open311_path), ("bare", bare_path)):
                seconds, latencies = _load(base + path, iterations=args.iterations, concurrency=args.workers)
                spent, seen = results[name]
                results[name] = (spent + seconds, seen + latencies)
    finally:
        server.terminate()
        server.wait()

    print(f"\ngunicorn --workers {args.workers}, as many client threads, {args.rounds} rounds x {args.iterations}")
    print(f"  {'endpoint':<28} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    rates = {}
    for name, label in (("open311", "Open311 requests.json"), ("bare", "bare Django JsonResponse")):
        seconds, latencies = results[name]
        rates[name] = len(latencies) / seconds
        p50, p95 = _percentile(latencies, 0.5) * 1e3, _percentile(latencies, 0.95) * 1e3
        print(f"  {label:<28} {rates[name]:>7.1f} {p50:>7.1f} {p95:>7.1f}")
    ratio = rates["open311"] / rates["bare"]
    p95 = _percentile(results["open311"][1], 0.95) * 1e3
    print(f"  ratio Open311 / bare: {ratio:.2f} (goal >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")
    print(f"  Open311 p95: {p95:.1f} ms (goal < 100 ms: {'met' if p95 < 100 else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="bench requests to generate (default 1,000,000)")
    parser.add_argument("--reuse", action="store_true", help="keep the bench rows already in the database")
    parser.add_argument("--iterations", type=int, default=200, help="measured requests per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per endpoint")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per endpoint first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (and client threads)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile-only", action="store_true", help="skip the HTTP load; profile only")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database: the generator uses COPY (SQLite is refused).")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
    os.environ["OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE"] = "100000000"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from townhall.service_requests.models import ServiceRequest

    call_command("migrate", verbosity=0)
    ensure_demo()
    if not args.reuse:
        seconds = generate_requests(args.rows, seed=args.seed)
        print(f"generated {args.rows:,} requests with COPY in {seconds:.1f}s ({args.rows / seconds:,.0f} rows/s)")
    total = ServiceRequest.objects.count()
    start, end, matched = _window(LIMIT)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), {total:,} service requests")
    query = f"start_date={start.isoformat()}&end_date={end.isoformat()}".replace("+", "%2B")
    open311_path = f"/open311/v2/requests.json?{query}"
    bare_path = f"/bench/bare-requests.json?{query}"
    print(f"window {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC matches {matched:,} public requests")
    connection.close()

    if not args.profile_only:
        _measure(args, open311_path=open311_path, bare_path=bare_path, matched=matched)
    _profile(open311_path)


if __name__ == "__main__":
    main()
