"""`townhall alerts send`: email every confirmed area alert the new public reports in its area.

Schedule it every 15 minutes (cron or a systemd timer, next to `townhall notify deliver`):
each run sends one digest per alert covering the reports received since the alert's last
email, and running it twice in a row sends nothing the second time.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from townhall.service_requests import services


class Command(BaseCommand):
    help = "Area alerts: send (one digest email per alert with new public reports since its last one)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        commands.add_parser("send", help="enqueue the alert emails that are due, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = services.area_alerts_send()
        self.stdout.write(f"Enqueued {sent} alert email(s).")
