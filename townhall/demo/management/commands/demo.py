"""`townhall demo`: generate the demo borough; `demo logins` and `demo totp EMAIL` print sign-ins."""

from __future__ import annotations

import datetime as dt
import sys
import time
from argparse import ArgumentParser, ArgumentTypeError, BooleanOptionalAction
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from townhall.demo import selectors, services
from townhall.demo.constants import DEFAULT_SEED, Scale


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Generate the deterministic demo borough (Demo Borough Council). "
        "`demo logins` prints the demo sign-ins; `demo totp EMAIL` prints a staff member's current code."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", nargs="?", choices=["logins", "totp"], help="print sign-ins or a TOTP code")
        parser.add_argument("email", nargs="?", help="the staff email address for `totp`")
        parser.add_argument("--scale", choices=Scale.values, default=Scale.SMALL)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--as-of", type=_date, default=None, help="the demo's 'today' (default: today)")
        parser.add_argument(
            "--history",
            action=BooleanOptionalAction,
            default=True,
            help="add three years of service requests up to --as-of (default: yes)",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--reset", action="store_true", help="delete all existing data first")
        group.add_argument("--if-empty", action="store_true", help="generate only when there are no users")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "logins":
            self._print_logins()
        elif options["action"] == "totp":
            self._print_totp(options["email"])
        else:
            self._generate(options)

    def _generate(self, options: dict[str, Any]) -> None:
        if not settings.TOWNHALL_DEMO_ALLOWED:
            raise CommandError(
                "The demo borough is not allowed with these settings: its sign-ins are public. "
                "Set TOWNHALL_DEMO_ALLOWED=true only on a staging site that holds no real data."
            )
        if options["if_empty"] and selectors.demo_data_counts().users:
            self.stdout.write("Demo data already present; leaving it as it is.")
            return
        as_of = options["as_of"] or timezone.localdate()
        started = time.monotonic()
        try:
            summary = services.demo_generate(
                scale=options["scale"],
                seed=options["seed"],
                as_of=as_of,
                reset=options["reset"],
                show_progress=sys.stderr.isatty(),
                history=options["history"],
            )
        except services.DemoDataPresentError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {summary.run} in {time.monotonic() - started:.1f}s: {summary.wards} wards, "
                f"{summary.streets} streets, {summary.addresses} addresses, {summary.staff} staff, "
                f"{summary.residents} residents, {summary.requests} service requests."
            )
        )

    def _print_logins(self) -> None:
        try:
            logins = selectors.demo_logins(at=timezone.now())
        except selectors.DemoLoginError as error:
            raise CommandError(str(error)) from error
        run = selectors.demo_run_latest()
        if run is not None:
            self.stdout.write(f"{run}\n")
        rows = [("Sign in as", "Email", "Password", "TOTP secret", "Code now")]
        rows += [(login.who, login.email, login.password, login.totp_secret, login.totp_code) for login in logins]
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        for index, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
            if index == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write(
            "\nStaff sign in with the password, then the code from an authenticator app set up with the secret,"
            "\nor from `townhall demo totp EMAIL`. Codes change every 30 seconds."
        )

    def _print_totp(self, email: str | None) -> None:
        if not email:
            raise CommandError("Give the staff member's email: townhall demo totp EMAIL")
        try:
            self.stdout.write(selectors.demo_totp_code(email=email, at=timezone.now()))
        except selectors.DemoLoginError as error:
            raise CommandError(str(error)) from error
