"""Time the demo generator at small and medium scale (not run in CI): the borough, then its request history.

    .venv/bin/python bench/demo_generate.py                 # a throw-away SQLite database
    .venv/bin/python bench/demo_generate.py --database-url postgres://postgres@127.0.0.1:5432/townhall_bench

The database named by --database-url is wiped (like `townhall demo --reset`). Local settings
are used, so the documented sign-ins are hashed with the real (slow) password hasher. The
borough (`demo_generate(history=False)`) and the three-year service request history
(`request_history_create`, which `townhall demo` runs by default) are timed separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="database to use (it is wiped); default: a temporary SQLite file")
    parser.add_argument("--scales", nargs="+", default=["small", "medium"], choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory(prefix="townhall-bench-")
    os.environ["TOWNHALL_VAR_DIR"] = workdir.name
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings.local")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from townhall.accounts.models import User
    from townhall.demo.request_history import request_history_create
    from townhall.demo.services import demo_generate
    from townhall.places.models import Address, Street, Ward
    from townhall.service_requests.models import RequestAnswer, RequestUpdate

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"{'scale':<8} {'seconds':>8} {'addresses':>10} {'rows':>8} {'rows/s':>9} {'addresses/s':>12}")
    history = []
    as_of = dt.date(2026, 1, 1)
    for scale in args.scales:
        started = time.perf_counter()
        demo_generate(scale=scale, seed=args.seed, as_of=as_of, reset=True, history=False)
        seconds = time.perf_counter() - started
        addresses = Address.objects.count()
        rows = addresses + Street.objects.count() + Ward.objects.count() + User.objects.count()
        rates = f"{rows / seconds:>9,.0f} {addresses / seconds:>12,.0f}"
        print(f"{scale:<8} {seconds:>8.1f} {addresses:>10,} {rows:>8,} {rates}")
        started = time.perf_counter()
        with transaction.atomic():
            requests = request_history_create(seed=args.seed, scale=scale, as_of=as_of)
        seconds = time.perf_counter() - started
        history.append((scale, seconds, requests, RequestUpdate.objects.count(), RequestAnswer.objects.count()))
    print("\nservice request history (3 years to the as-of date), written after the borough")
    print(
        f"{'scale':<8} {'seconds':>8} {'requests':>10} {'updates':>9} {'answers':>9} {'requests/s':>11} {'rows/s':>9}"
    )
    for scale, seconds, requests, updates, answers in history:
        rates = f"{requests / seconds:>11,.0f} {(requests + updates + answers) / seconds:>9,.0f}"
        print(f"{scale:<8} {seconds:>8.1f} {requests:>10,} {updates:>9,} {answers:>9,} {rates}")
    workdir.cleanup()


if __name__ == "__main__":
    main()
