"""200 signed-in residents reporting problems through the real web journey for 2 minutes (locust; not in CI).

    pip install -e '.[bench]'        # locust
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/th_bench .venv/bin/python bench/locust_report.py
    DATABASE_URL=... .venv/bin/python bench/locust_report.py --users 50 --run-time 30s

Run as a script, it: migrates and loads the demo borough if the database is empty
(`townhall demo --no-history`); creates the residents (bench-resident-N@example.org, one
password, email verified); signs them in beforehand (`--sign-in before`, the default: a
real session each, so the two minutes measure reporting rather than scrypt) or lets each
sign in through allauth's form at the start of the run (`--sign-in form`); starts
gunicorn with bench/bench_settings.py and sign-in rate limits raised
(BENCH_RAISE_RATE_LIMITS); runs locust headless against it with this file as the
locustfile; and then compares the reports in the database with the confirmation pages the
residents saw: errors, lost reports (confirmed but not stored) and p95.

Each simulated resident reports again and again, 1 to 3 seconds apart: POST "Start now",
then follow the journey generically. Every page's own form (the one posting back to the
page) is filled from its fields (the demo pothole category, a real demo postcode, the
first address, the first choice of any other question, "Continue" rather than "Upload
photo", "No — report a new problem" rather than following a nearby report) and posted
with its CSRF token; redirects are followed until the confirmation page. A page that
answers a POST with an error summary or an HTTP error is a failure. Whole journeys are
timed outside locust's HTTP statistics (a file of references and milliseconds).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
EMAIL_PATTERN = "bench-resident-{}@example.org"
PASSWORD = "bench-correct-horse-battery-42"  # noqa: S105 - throw-away bench accounts
CONFIRMATION = re.compile(r"^/report/(?P<reference>[A-Z0-9-]+)/confirmation/$")
MAX_STEPS = 25
PREFERRED_BUTTONS = ("continue", "submit", "new", "send")


# --- reading a page's form ---------------------------------------------------------------------------


class _Form:
    def __init__(self, action: str) -> None:
        self.action = action
        self.fields: list[tuple[str, str]] = []  # hidden and filled values, in order
        self.radios: dict[str, list[str]] = {}
        self.checkboxes: dict[str, list[str]] = {}
        self.texts: list[tuple[str, str]] = []  # (name, current value)
        self.selects: dict[str, list[str]] = {}
        self.buttons: list[tuple[str, str]] = []


class _FormParser(HTMLParser):
    """Collects every <form method="post"> with its fields: enough for GOV.UK pages, no JavaScript."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self._form: _Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = _Form(a.get("action", ""))
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name", "")
        kind = a.get("type", "text").lower()
        if tag == "input" and name:
            if kind == "hidden":
                form.fields.append((name, a.get("value", "")))
            elif kind == "radio":
                form.radios.setdefault(name, []).append(a.get("value", ""))
            elif kind == "checkbox":
                form.checkboxes.setdefault(name, []).append(a.get("value", ""))
            elif kind == "submit":
                form.buttons.append((name, a.get("value", "")))
            elif kind != "file":
                form.texts.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            form.texts.append((name, ""))
        elif tag == "select" and name:
            self._select = name
            form.selects[name] = []
        elif tag == "option" and self._select is not None and a.get("value"):
            form.selects[self._select].append(a["value"])
        elif tag == "button" and a.get("type", "submit") == "submit":
            form.buttons.append((name, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_form(html: str, path: str) -> _Form | None:
    """The page's own form: the POST form whose action is empty or this page."""
    parser = _FormParser()
    parser.feed(html)
    own = [form for form in parser.forms if not form.action or urlsplit(form.action).path == path]
    return own[-1] if own else None


def _text_value(name: str, postcodes: list[str]) -> str:
    lowered = name.lower()
    if "postcode" in lowered or lowered == "query":
        return random.choice(postcodes)
    if lowered.endswith("year"):
        return str(dt.datetime.now(dt.UTC).year)
    if lowered.endswith(("day", "month")):
        return "1"
    if "description" in lowered:
        return "A pothole about 10 cm deep by the kerb, reported by the load test"
    return "10"


def fill(form: _Form, *, category_id: str, postcodes: list[str]) -> list[tuple[str, str]]:
    data = list(form.fields)
    for name, values in form.radios.items():
        data.append((name, category_id if name == "category" and category_id in values else values[0]))
    for name, values in form.checkboxes.items():
        data.append((name, values[0]))
    for name, values in form.selects.items():
        if values:
            data.append((name, values[0]))
    for name, value in form.texts:
        data.append((name, value or _text_value(name, postcodes)))
    named = [(name, value) for name, value in form.buttons if name]
    if named:
        preferred = [button for button in named if button[1].lower() in PREFERRED_BUTTONS]
        data.append((preferred or named)[-1 if not preferred else 0])
    return data


# --- the locust user (loaded by locust from this file) ---------------------------------------------

try:
    from locust import HttpUser, between, task
except ImportError:  # running as the bench script without locust installed: main() says what to do
    HttpUser = object  # type: ignore[assignment,misc]


if HttpUser is not object:

    class Resident(HttpUser):
        """One signed-in resident reporting potholes, one after another."""

        wait_time = between(1, 3)
        _numbers = iter(range(1_000_000))

        def on_start(self) -> None:
            self.category_id = os.environ["BENCH_CATEGORY_ID"]
            self.postcodes = os.environ["BENCH_POSTCODES"].split(",")
            number = next(Resident._numbers) % int(os.environ["BENCH_RESIDENTS"])
            sessions = os.environ.get("BENCH_SESSIONS_FILE")
            if sessions:
                cookie_name, values = json.loads(Path(sessions).read_text())
                self.client.cookies.set(cookie_name, values[number])
                with self.client.get("/account/", name="GET /account/", catch_response=True) as response:
                    if urlsplit(response.url).path != "/account/":
                        response.failure("the prepared session is not signed in")
                return
            email = EMAIL_PATTERN.format(number)
            page = self.client.get("/auth/login/", name="GET sign in")
            form = page_form(page.text, "/auth/login/")
            assert form is not None  # noqa: S101
            data = [*form.fields, ("login", email), ("password", PASSWORD)]
            with self.client.post("/auth/login/", data=data, name="POST sign in", catch_response=True) as response:
                if urlsplit(response.url).path.startswith("/auth/login"):
                    response.failure(f"sign-in failed for {email}")

        @task
        def report(self) -> None:
            started = time.perf_counter()
            page = self.client.get("/report/", name="GET /report/")
            form = page_form(page.text, "/report/")
            if form is None:
                return
            response = self.client.post("/report/", data=form.fields, name="POST /report/")
            for _ in range(MAX_STEPS):
                path = urlsplit(response.url).path
                found = CONFIRMATION.match(path)
                if found:
                    self._submitted(found["reference"], started)
                    return
                step = _step_name(path)
                form = page_form(response.text, path)
                if form is None:
                    self._failed(f"no form at {step}", started)
                    return
                data = fill(form, category_id=self.category_id, postcodes=self.postcodes)
                with self.client.post(path, data=data, name=f"POST {step}", catch_response=True) as response:
                    if not response.ok:
                        response.failure(f"{response.status_code} at {step}")
                        self._failed(f"{response.status_code} at {step}", started)
                        return
                    if urlsplit(response.url).path == path and "govuk-error-summary" in response.text:
                        response.failure(f"validation error at {step}")
                        self._failed(f"validation error at {step}", started)
                        return
            self._failed("journey did not end", started)

        def _submitted(self, reference: str, started: float) -> None:
            _journey_record(reference, started)

        def _failed(self, why: str, started: float) -> None:
            _journey_record("FAILED " + why.replace(" ", "_"), started)


def _journey_record(outcome: str, started: float) -> None:
    """One line per journey (reference or failure, milliseconds), outside locust's HTTP statistics."""
    milliseconds = (time.perf_counter() - started) * 1000
    with Path(os.environ["BENCH_REFERENCES_FILE"]).open("a") as journeys:
        journeys.write(f"{outcome} {milliseconds:.0f}\n")


def _step_name(path: str) -> str:
    """/report/draft/<id>/location/address/ -> "location/address" (one locust row per step)."""
    parts = [part for part in path.split("/") if part]
    return "/".join(parts[3:]) if len(parts) > 3 and parts[1] == "draft" else path


# --- the bench run ---------------------------------------------------------------------------------


def _sessions(emails: list[str], path: Path) -> None:
    """Sign each resident in beforehand (a real session row, as Django's login makes) and keep the cookies."""
    from django.conf import settings
    from django.test import Client

    from townhall.accounts.models import User

    users = {user.email: user for user in User.objects.filter(email__in=emails)}
    cookies = []
    for email in emails:
        client = Client()
        client.force_login(users[email])
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    path.write_text(json.dumps([settings.SESSION_COOKIE_NAME, cookies]))


def _setup(residents: int) -> tuple[str, list[str]]:
    """Residents with a known password (hashed once), and the demo's pothole category and postcodes."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from townhall.accounts import services as account_services
    from townhall.accounts.models import User
    from townhall.places.models import Address
    from townhall.service_requests.models import Category

    call_command("migrate", verbosity=0)
    if not Category.objects.exists():
        print("no catalogue yet: running `townhall demo --no-history` (small scale)")
        call_command("demo", "--no-history", "--if-empty", verbosity=0)
    wanted = [EMAIL_PATTERN.format(number) for number in range(residents)]
    existing = set(User.objects.filter(email__in=wanted).values_list("email", flat=True))
    for email in wanted:
        if email not in existing:
            account_services.user_create_resident(
                email=email, password=None, given_name="Bench", family_name="Resident", email_verified=True
            )
    User.objects.filter(email__in=wanted).update(password=make_password(PASSWORD))
    category = (
        Category.objects.filter(service_code="pothole").first()
        or Category.objects.filter(active=True, council_responsible=True, anonymous_allowed=True).first()
    )
    if category is None:
        raise SystemExit("no reportable category: load the demo borough first")
    postcodes = sorted(set(Address.objects.filter(ward__isnull=False).values_list("postcode", flat=True)[:2000]))
    return str(category.pk), random.Random(1).sample(postcodes, min(50, len(postcodes)))


def _stats(prefix: str) -> dict[str, dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as stream:
        return {row["Name"]: row for row in csv.DictReader(stream)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", default="2m")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--sign-in",
        choices=["before", "form"],
        default="before",
        help="before: sessions made by the setup, so the run measures reporting (default); "
        "form: each resident signs in through the sign-in form at the start of the run",
    )
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (the run is meant for PostgreSQL).")
    locust = Path(sys.executable).with_name("locust")
    if not locust.exists():
        raise SystemExit("locust is not installed: pip install -e '.[bench]'")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
    os.environ["BENCH_RAISE_RATE_LIMITS"] = "1"
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from townhall.service_requests.models import ServiceRequest

    category_id, postcodes = _setup(args.users)
    workdir = tempfile.TemporaryDirectory(prefix="townhall-locust-")
    sessions = Path(workdir.name) / "sessions.json"
    references = Path(workdir.name) / "confirmed.txt"  # one line per confirmation page reached
    references.touch()
    if args.sign_in == "before":
        _sessions([EMAIL_PATTERN.format(number) for number in range(args.users)], sessions)
    connection.close()
    env = {
        **os.environ,
        "BENCH_CATEGORY_ID": category_id,
        "BENCH_POSTCODES": ",".join(postcodes),
        "BENCH_RESIDENTS": str(args.users),
        "BENCH_REFERENCES_FILE": str(references),
        **({"BENCH_SESSIONS_FILE": str(sessions)} if args.sign_in == "before" else {}),
    }
    started_at = timezone.now()
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "townhall.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--chdir",
            str(ROOT),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        prefix = str(Path(workdir.name) / "run")
        subprocess.run(  # noqa: S603 - our own command line
            [
                str(locust),
                "-f",
                __file__,
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                args.run_time,
                "--host",
                f"http://127.0.0.1:{args.port}",
                "--csv",
                prefix,
                "--only-summary",
                "--stop-timeout",
                "30",
            ],
            env=env,
            check=False,
        )
        stats = _stats(prefix)
        lines = [line.rsplit(" ", 1) for line in references.read_text().splitlines()]
    finally:
        server.terminate()
        server.wait()
        workdir.cleanup()

    django.db.connections.close_all()
    stored = set(
        ServiceRequest.objects.filter(
            reporter__email__startswith="bench-resident-", received_at__gte=started_at
        ).values_list("reference", flat=True)
    )
    confirmed = {outcome for outcome, _ in lines if not outcome.startswith("FAILED")}
    journey_failures = len(lines) - len(confirmed)
    journey_ms = sorted(float(ms) for outcome, ms in lines if not outcome.startswith("FAILED"))
    journey_p95 = journey_ms[min(len(journey_ms) - 1, int(0.95 * len(journey_ms)))] if journey_ms else float("nan")
    total = stats["Aggregated"]
    errors = int(total["Failure Count"])
    print(f"\n{args.users} signed-in residents, {args.run_time}, gunicorn --workers {args.workers}, PostgreSQL")
    print(f"  HTTP requests: {int(total['Request Count']):,}")
    print(f"  reports confirmed to residents (confirmation page reached): {len(confirmed):,}")
    print(f"  reports by the bench residents stored during the run: {len(stored):,}")
    print(f"  HTTP errors: {errors}  failed journeys: {journey_failures}")
    print(f"  lost (confirmed, not stored): {len(confirmed - stored)}")
    print(f"  stored, confirmation not seen (the run stopped mid-journey): {len(stored - confirmed)}")
    print(f"  p95 of every HTTP request: {total['95%']} ms; p50 {total['50%']} ms")
    print(f"  p95 of a whole report journey (start to confirmation): {journey_p95:.0f} ms")


if __name__ == "__main__":
    main()
