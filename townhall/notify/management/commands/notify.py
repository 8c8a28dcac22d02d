"""`townhall notify`: deliver the outbox (the sweep), show its state, redact old messages, manage webhook endpoints.

Schedule `townhall notify deliver` every minute (cron, a systemd timer) or run
`townhall notify deliver --loop` beside the task worker: it is what delivers messages
whose task was lost and retries that are due (README "Running delivery").
"""

from __future__ import annotations

import signal
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from townhall.notify import selectors, services


class Command(BaseCommand):
    help = "Outbox tools: deliver (the sweep), status, purge, endpoint add|rotate|list."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        deliver = commands.add_parser("deliver", help="deliver every due message, then exit (or --loop)")
        deliver.add_argument("--limit", type=int, default=None, help="messages per batch (default NOTIFY_BATCH_SIZE)")
        deliver.add_argument("--loop", action="store_true", help="keep sweeping until stopped (SIGTERM or Ctrl-C)")
        deliver.add_argument("--interval", type=float, default=30.0, help="seconds between sweeps with --loop")
        commands.add_parser("status", help="messages per state and the oldest waiting")
        commands.add_parser("purge", help="remove recipients and contents of messages past NOTIFY_RETENTION_DAYS")
        endpoint = commands.add_parser("endpoint", help="webhook endpoints")
        endpoint_commands = endpoint.add_subparsers(dest="endpoint_command", required=True, metavar="ACTION")
        add = endpoint_commands.add_parser("add", help="register an endpoint; prints its signing secret last")
        add.add_argument("slug")
        add.add_argument("url")
        add.add_argument("--name", default="", help="the partner's name (default: the slug)")
        rotate = endpoint_commands.add_parser("rotate", help="new signing secret; prints it last")
        rotate.add_argument("slug")
        endpoint_commands.add_parser("list", help="list endpoints (never their secrets)")

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        if subcommand == "deliver":
            self._deliver(limit=options["limit"], loop=options["loop"], interval=options["interval"])
        elif subcommand == "status":
            self._status()
        elif subcommand == "purge":
            count = services.outbox_redact_expired()
            self.stdout.write(f"Removed recipients and contents from {count} message(s).")
        else:
            self._endpoint(options)

    def _deliver(self, *, limit: int | None, loop: bool, interval: float) -> None:
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        if not loop:
            self._report(services.outbox_deliver_until_idle(limit=limit))
            return
        stop: list[int] = []

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.append(signum)

        previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            # One batch at a time, so a stop request waits for one batch at most.
            while not stop:
                close_old_connections()  # a long-lived process must notice a restarted database
                report = services.outbox_deliver_due(limit=limit)
                if report.claimed or report.released:
                    self._report(report)
                if report.claimed:
                    continue
                deadline = time.monotonic() + interval
                while not stop and time.monotonic() < deadline:
                    time.sleep(min(0.2, interval))
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("Stopped.")

    def _report(self, report: services.DeliveryReport) -> None:
        self.stdout.write(
            f"Delivered {report.delivered}, retrying {report.retrying}, dead {report.dead} "
            f"(of {report.claimed} attempted; {report.released} expired claims released)."
        )

    def _status(self) -> None:
        for state, count in selectors.outbox_state_counts().items():
            self.stdout.write(f"{state}: {count}")
        backlog = selectors.outbox_backlog()
        if backlog.oldest_waiting_since is not None:
            self.stdout.write(f"oldest due since: {backlog.oldest_waiting_since.isoformat()}")

    def _endpoint(self, options: dict[str, Any]) -> None:
        action = options["endpoint_command"]
        try:
            if action == "add":
                endpoint, secret = services.webhook_endpoint_create(
                    acting_user=None, slug=options["slug"], name=options["name"] or options["slug"], url=options["url"]
                )
                self.stdout.write(f"Webhook endpoint {endpoint.slug} created. Give the partner this signing secret:")
                self.stdout.write(secret)
            elif action == "rotate":
                secret = services.webhook_endpoint_rotate_secret(acting_user=None, slug=options["slug"])
                self.stdout.write(f"New signing secret for {options['slug']} (the old one no longer signs):")
                self.stdout.write(secret)
            else:
                for item in selectors.webhook_endpoints():
                    state = "active" if item.is_active else "switched off"
                    self.stdout.write(f"{item.slug}\t{item.url}\t{state}\t{item.name}")
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        except services.WebhookEndpointNotFoundError as error:
            raise CommandError(str(error)) from None
