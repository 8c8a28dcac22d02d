"""`townhall opendata publish` (daily), `publish-scheduled` (every few minutes) and `sweep-uploads` (daily)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from townhall.opendata import services
from townhall.opendata.services import staged, workflow


class Command(BaseCommand):
    help = (
        "Open data portal jobs. `opendata publish` refreshes the council's own datasets when their figures change; "
        "`opendata publish-scheduled` marks approved datasets whose publication time has passed as changed; "
        "`opendata sweep-uploads` deletes large uploads' staged files older than a day."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        subcommands.add_parser("publish", help="refresh service request statistics and ward boundaries")
        subcommands.add_parser(
            "publish-scheduled", help="release datasets whose scheduled publication time has passed (run often)"
        )
        subcommands.add_parser(
            "sweep-uploads", help="delete large uploads' staged files older than a day, and old upload records (daily)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "sweep-uploads":
            files, rows = staged.staged_uploads_sweep()
            self.stdout.write(f"Deleted {files} staged file(s) and {rows} old upload record(s).")
            return
        if options["subcommand"] == "publish-scheduled":
            released = workflow.scheduled_publications_release()
            self.stdout.write(f"Published: {', '.join(released)}" if released else "Nothing due.")
            return
        changed = services.council_datasets_publish()
        self.stdout.write(f"Updated: {', '.join(changed)}" if changed else "Nothing changed.")
