"""`townhall waste import-rounds FILE` and `townhall waste import-assignments FILE`.

Reading and checking is `waste.importers` (and services for what needs the database),
writing is `waste.services`: each file is imported whole, in one transaction, or not at
all, with every problem listed by row. See townhall/waste/README.md for the formats.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from townhall.waste import services
from townhall.waste.importers import ImportRejectedError


class _DryRunRollbackError(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Bin collection data. `waste import-rounds FILE` creates or updates rounds by code; "
        "`waste import-assignments FILE` puts properties (UPRNs) on rounds. "
        "Both check the whole file and write nothing if any row is wrong."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, text in (
            (
                "import-rounds",
                "rounds CSV: code, name, service, weekday, frequency, reference_date[, ward, holiday_rule]",
            ),
            ("import-assignments", "assignments CSV: uprn, round (one row per property and service)"),
        ):
            sub = subcommands.add_parser(name, help=text)
            sub.add_argument("file", type=Path)
            sub.add_argument("--encoding", default="utf-8-sig", help="text encoding (default utf-8, BOM allowed)")
            sub.add_argument("--dry-run", action="store_true", help="check and count everything, then roll back")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        importer = services.rounds_import if options["subcommand"] == "import-rounds" else services.assignments_import
        try:
            with path.open(encoding=options["encoding"], newline="") as lines, transaction.atomic():
                result = importer(acting_user=None, lines=lines, file_name=path.name)
                if options["dry_run"]:
                    raise _DryRunRollbackError
        except _DryRunRollbackError:
            self.stdout.write(f"Dry run: {result.created} would be created, {result.updated} updated. Nothing written.")
            return
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{path} is not {options['encoding']} text ({error.reason}); try --encoding cp1252"
            ) from error
        except ImportRejectedError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(error.problems)} problem(s) in {path.name}; nothing was imported.") from error
        self.stdout.write(
            self.style.SUCCESS(f"Imported {path.name}: {result.created} created, {result.updated} updated.")
        )
