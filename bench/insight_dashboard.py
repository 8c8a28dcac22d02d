"""Insight overview dashboard over millions of service requests: rollups against raw rows (not in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/th_bench .venv/bin/python bench/insight_dashboard.py
    DATABASE_URL=... .venv/bin/python bench/insight_dashboard.py --rows 500000 --iterations 30   # smaller
    DATABASE_URL=... .venv/bin/python bench/insight_dashboard.py --reuse                         # keep the rows

PostgreSQL only (requests are written with COPY by bench/open311_requests.py's generator,
3 years of history). The script then

1. rebuilds the daily rollups from scratch (`townhall insight refresh --full`) and times it;
2. renders the overview dashboard (`/staff/insight/`: 12 cards with previous period and
   last year, 5 charts with tables) for a signed-in team manager through Django's test
   client, `--iterations` times, reading the rollups — then the very same view with the
   totals computed from the raw service request rows instead (the selector that sums
   rollups is swapped for one that aggregates `service_requests` directly), alternating
   in rounds; server time p50/p95 for each and the ratio;
3. adds one day of new requests (1/1095 of `--rows`, received today) and times the
   incremental refresh (`townhall insight refresh`), which rebuilds the last 35 days plus
   every day a changed request touches.

Charts are drawn once per distinct figure and cached (as in production), so the measured
renders, like a manager's second visit, pay for queries and templates, not for drawing.
Goal (issue 8): overview p95 < 300 ms with rollups on 5,000,000 requests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _raw_request_totals(filters: Any, *, split: str) -> dict[object, Any]:
    """The rollup selector's answer computed from raw service request rows (the baseline)."""
    from django.db.models import Count, F, Q, Sum
    from django.db.models.functions import Extract, TruncDay, TruncMonth, TruncWeek

    from townhall.insight import selectors
    from townhall.insight.metrics import Totals
    from townhall.service_requests.constants import FIXED_STATUSES, UNRESOLVED_CLOSURES
    from townhall.service_requests.models import ServiceRequest

    start = selectors.london_midnight(filters.start)
    end = selectors.london_midnight(filters.end + dt.timedelta(days=1))
    rows = ServiceRequest.objects.all()
    if filters.ward_id:
        rows = rows.filter(ward_id=filters.ward_id)
    if filters.category_id:
        rows = rows.filter(category_id=filters.category_id)
    if filters.group_id:
        rows = rows.filter(category__group_id=filters.group_id)
    if filters.team_id:
        rows = rows.filter(assigned_team_id=filters.team_id)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    trunc = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
    dims = {"ward": "ward_id", "category": "category_id", "team": "assigned_team_id", "channel": "channel"}
    result: dict[object, Totals] = defaultdict(Totals)

    def keyed(queryset: Any, moment: str) -> tuple[Any, list[str]]:
        keys = ["channel"]
        if split in trunc:
            queryset = queryset.annotate(split=trunc[split](moment, tzinfo=selectors.LONDON))
            keys.insert(0, "split")
        elif split:
            keys.insert(0, dims[split])
        return queryset, keys

    def key_of(row: dict[str, Any], keys: list[str]) -> object:
        if not split:
            return None
        value = row[keys[0]]
        return value.date() if isinstance(value, dt.datetime) else value

    received, keys = keyed(rows.filter(received_at__gte=start, received_at__lt=end), "received_at")
    for row in received.values(*keys).annotate(n=Count("pk")).order_by():
        totals = result[key_of(row, keys)]
        totals.measures["received"] = totals.measures.get("received", 0) + row["n"]
        totals.received_by_channel[row["channel"]] = totals.received_by_channel.get(row["channel"], 0) + row["n"]
    resolved = ~Q(status__in=UNRESOLVED_CLOSURES)
    closed, keys = keyed(rows.filter(closed_at__gte=start, closed_at__lt=end), "closed_at")
    aggregates = closed.values(*keys).annotate(
        closed=Count("pk"),
        closed_resolved=Count("pk", filter=resolved),
        fixed=Count("pk", filter=Q(status__in=FIXED_STATUSES)),
        fixed_first_time=Count("pk", filter=Q(status__in=FIXED_STATUSES, first_time_resolved=True, duplicates=None)),
        reopened=Count("pk", filter=resolved & Q(first_time_resolved=False)),
        sla_met=Count("pk", filter=resolved & Q(closed_at__lte=F("sla_due_at"), sla_paused_seconds=0)),
        close_seconds=Sum(Extract(F("closed_at") - F("received_at"), "epoch"), filter=resolved),
    )
    for row in aggregates.order_by():
        totals = result[key_of(row, keys)]
        for name in ("closed", "closed_resolved", "fixed", "fixed_first_time", "reopened", "sla_met", "close_seconds"):
            totals.measures[name] = totals.measures.get(name, 0) + int(row[name] or 0)
    return dict(result)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _manager_client() -> Any:
    from django.test import Client

    from townhall.accounts import services as account_services
    from townhall.accounts.constants import StaffRole
    from townhall.accounts.models import User
    from townhall.accounts.permissions import has_mfa

    user = User.objects.filter(email="bench.manager@example.gov.uk").first() or account_services.staff_create(
        email="bench.manager@example.gov.uk",
        password="Bench-manager-2026",  # noqa: S106 - a throw-away bench account
        roles=[StaffRole.TEAM_MANAGER],
    )
    if not has_mfa(user):
        account_services.staff_enrol_totp(user)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [{"method": "mfa", "type": "totp", "at": time.time()}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def _time_overview(client: Any, iterations: int) -> list[float]:
    timings = []
    for _ in range(iterations):
        started = time.perf_counter()
        response = client.get("/staff/insight/")
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"/staff/insight/ answered {response.status_code}")
    return timings


def _add_one_day(rows: int) -> int:
    """Copy the newest requests as new ones received today (one day's share of `rows`)."""
    from django.utils import timezone

    from townhall.service_requests.models import ServiceRequest

    count = max(1, rows // 1095)
    now = timezone.now()
    template = list(ServiceRequest.objects.order_by("-pk")[:count])
    for number, request in enumerate(template):
        request.pk = None
        request.reference = f"BENCHDAY-{now:%H%M%S}-{number:06d}"
        request.received_at = request.updated_at = now - dt.timedelta(minutes=number % 600)
        request.sla_due_at = request.received_at + dt.timedelta(days=5)
        request.closed_at = None
        request.status = "open"
        request.first_time_resolved = None
    ServiceRequest.objects.bulk_create(template, batch_size=2000)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000, help="bench requests to generate (default 5,000,000)")
    parser.add_argument("--reuse", action="store_true", help="keep the bench rows already in the database")
    parser.add_argument("--no-rebuild", action="store_true", help="with --reuse: keep the rollups too")
    parser.add_argument("--iterations", type=int, default=40, help="measured renders per variant and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database: the generator uses COPY (SQLite is refused).")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.open311_requests import ensure_demo, generate_requests
    from townhall.insight import selectors, services
    from townhall.insight.models import RequestDay
    from townhall.service_requests.models import ServiceRequest

    call_command("migrate", verbosity=0)
    ensure_demo()
    if not args.reuse:
        seconds = generate_requests(args.rows, seed=args.seed)
        print(f"generated {args.rows:,} requests with COPY in {seconds:.1f}s")
    total = ServiceRequest.objects.count()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), {total:,} service requests")

    if not args.no_rebuild:
        started = time.perf_counter()
        written = services.rollups_refresh(full=True)
        print(f"full rollup rebuild: {time.perf_counter() - started:.1f} s, {written:,} rollup rows")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {RequestDay._meta.db_table}")

    client = _manager_client()
    rollup_totals = selectors._request_totals
    _time_overview(client, 3)  # warm-up: draws and caches the charts, fills connection and template caches
    timings: dict[str, list[float]] = {"rollups": [], "raw rows": []}
    for _ in range(args.rounds):
        selectors._request_totals = rollup_totals  # type: ignore[assignment]
        timings["rollups"] += _time_overview(client, args.iterations)
        selectors._request_totals = _raw_request_totals  # type: ignore[assignment]
        _time_overview(client, 1)  # the raw variant draws the same charts, already cached
        timings["raw rows"] += _time_overview(client, max(3, args.iterations // 8))
    selectors._request_totals = rollup_totals  # type: ignore[assignment]
    print(f"{'overview from':<14} {'renders':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for name, values in timings.items():
        print(f"{name:<14} {len(values):>8} {statistics.median(values):>8.1f} {_percentile(values, 0.95):>8.1f}")
    ratio = statistics.median(timings["raw rows"]) / statistics.median(timings["rollups"])
    p95 = _percentile(timings["rollups"], 0.95)
    print(f"raw rows / rollups (median): {ratio:.1f}x")
    print(f"overview p95 with rollups: {p95:.0f} ms (goal < 300 ms: {'met' if p95 < 300 else 'NOT met'})")

    added = _add_one_day(args.rows)
    started = time.perf_counter()
    written = services.rollups_refresh()
    seconds = time.perf_counter() - started
    print(f"incremental refresh after {added:,} new requests today: {seconds:.2f} s ({written:,} rows)")


if __name__ == "__main__":
    main()
