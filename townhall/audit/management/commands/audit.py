"""`townhall audit verify`: check the audit hash chain; exit 1 naming the first bad entry."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from townhall.audit import selectors


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` recomputes the hash chain and names the first entry that does not fit."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        subcommands.add_parser(
            "verify",
            help="check every entry and the chain head; exit 0 when valid, 1 when broken",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify()

    def _verify(self) -> None:
        # Not audited itself: schedulers run it daily, and it changes nothing.
        result = selectors.audit_verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(result.message))
            return
        self.stderr.write(result.message)
        raise SystemExit(1)
