"""`townhall places import-wards FILE` and `townhall places import-addresses FILE`: load a council's gazetteer.

Reading and checking is `places.importers`, writing is `places.services`; this command
only turns options into arguments and results into lines of output. See
townhall/places/README.md for the file formats.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from townhall.places import importers, services

_PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Gazetteer imports. `places import-wards FILE` loads ward boundaries from GeoJSON; "
        "`places import-addresses FILE` loads an AddressBase / LLPG style CSV extract. "
        "Both check the whole file first and write nothing if any of it is wrong."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")

        wards = subcommands.add_parser(
            "import-wards",
            help="upsert wards by GSS code from a GeoJSON FeatureCollection (WGS84, or EPSG:27700 named by `crs`)",
        )
        wards.add_argument("file", type=Path)
        wards.add_argument("--code-property", help="property holding the GSS code (default: code, WDyyCD, ...)")
        wards.add_argument("--name-property", help="property holding the ward name (default: name, WDyyNM, ...)")
        wards.add_argument(
            "--where",
            action="append",
            default=[],
            metavar="PROPERTY=VALUE",
            help="import only features with this property value (repeatable), e.g. LAD24CD=E06000002",
        )
        wards.add_argument("--repair", action="store_true", help="fix invalid polygons with make_valid")
        wards.add_argument(
            "--prune", action="store_true", help="delete wards missing from the file even when data points at them"
        )
        wards.add_argument("--dry-run", action="store_true", help="check and count everything, then roll back")

        addresses = subcommands.add_parser(
            "import-addresses", help="upsert addresses by UPRN (and streets by USRN) from a CSV extract"
        )
        addresses.add_argument("file", type=Path)
        addresses.add_argument(
            "--columns", metavar="JSON", help='field-to-header mapping: a JSON object or a .json file, {"uprn": "REF"}'
        )
        addresses.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help="map one field to a header (repeatable; overrides --columns)",
        )
        addresses.add_argument(
            "--coordinates",
            choices=[choice.value for choice in importers.Coordinates],
            default=importers.Coordinates.AUTO.value,
            help="which columns locate each address (default: X/Y when present, else latitude/longitude)",
        )
        addresses.add_argument("--encoding", default="utf-8-sig", help="text encoding (default utf-8, BOM allowed)")
        addresses.add_argument("--delimiter", default=",", help="field separator (default ,)")
        addresses.add_argument("--header-file", type=Path, help="a file whose first line is the header (no header row)")
        addresses.add_argument("--skip-invalid", action="store_true", help="import the good rows, skip the bad ones")
        addresses.add_argument("--errors-csv", type=Path, help="write every problem to this CSV file")
        addresses.add_argument("--batch-size", type=int, default=importers.DEFAULT_BATCH_SIZE)
        addresses.add_argument("--dry-run", action="store_true", help="check and count everything, then roll back")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "import-wards":
                self._import_wards(options)
            else:
                self._import_addresses(options)
        except importers.ImportFileError as error:
            raise CommandError(str(error)) from error
        except services.ImportRefusedError as error:
            self._show_reasons(error.reasons, error.problem_count)
            raise CommandError(str(error)) from error

    def _import_wards(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        ward_file = importers.ward_file_read(
            path,
            code_property=options["code_property"],
            name_property=options["name_property"],
            where=importers.where_parse(options["where"]),
            repair=options["repair"],
        )
        for repair in ward_file.repairs:
            self.stderr.write(f"Note: {repair}")
        result = services.wards_import(
            ward_file=ward_file, acting_user=None, source=path.name, prune=options["prune"], dry_run=options["dry_run"]
        )
        skipped = f" ({ward_file.filtered_out} features left out by --where)" if ward_file.filtered_out else ""
        self._done(f"{path.name}: {result.summary()}{skipped}.", dry_run=result.dry_run)

    def _import_addresses(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        mapping = importers.mapping_parse(columns_json=options["columns"], column_pairs=options["column"])
        with ExitStack() as stack:
            extract = stack.enter_context(
                importers.AddressCsv(
                    path,
                    mapping=mapping,
                    coordinates=importers.Coordinates(options["coordinates"]),
                    encoding=options["encoding"],
                    delimiter=options["delimiter"],
                    header_file=options["header_file"],
                )
            )
            report = None
            if options["errors_csv"]:
                report = importers.ProblemReport(stack.enter_context(options["errors_csv"].open("w", newline="")))
            bar = None
            if sys.stderr.isatty():
                bar = stack.enter_context(tqdm(total=extract.estimated_rows(), unit=" rows", desc="Addresses"))
            result = services.addresses_import(
                batches=extract.batches(options["batch_size"]),
                acting_user=None,
                source=path.name,
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
                on_problem=report.add if report else None,
                on_rows=bar.update if bar else None,
            )
        if result.problem_count:
            self._show_reasons([str(problem) for problem in result.problems], result.problem_count)
        self._done(f"{path.name}: {result.summary()}.", dry_run=result.dry_run)

    def _show_reasons(self, reasons: list[str], total: int) -> None:
        for reason in reasons[:_PROBLEMS_SHOWN]:
            self.stderr.write(f"  {reason}")
        shown = min(len(reasons), _PROBLEMS_SHOWN)
        if total > shown:
            self.stderr.write(f"  ... and {total - shown} more; --errors-csv FILE lists every one.")

    def _done(self, message: str, *, dry_run: bool) -> None:
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: {message}")
        else:
            self.stdout.write(self.style.SUCCESS(message))
