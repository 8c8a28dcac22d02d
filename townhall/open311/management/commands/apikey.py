"""`townhall apikey create --name NAME` (prints the new key as the last line), `revoke --name NAME`, `list`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from townhall.open311 import selectors, services


class Command(BaseCommand):
    help = "Open311 API keys for client applications. The key is shown once, when created; only its hash is stored."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        create = subcommands.add_parser("create", help="issue a key; the key is the last line printed")
        create.add_argument("--name", required=True, help="the client application, e.g. FixMyStreet")
        revoke = subcommands.add_parser("revoke", help="refuse a key from now on (403)")
        revoke.add_argument("--name", required=True)
        subcommands.add_parser("list", help="names, key prefixes and whether revoked")

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        if subcommand == "create":
            try:
                api_key, raw_key = services.api_key_create(acting_user=None, name=options["name"])
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
            self.stdout.write(f"Created Open311 API key {api_key.name!r}. It is shown once; store it now:")
            self.stdout.write(raw_key)
        elif subcommand == "revoke":
            found = selectors.api_key_by_name(name=options["name"])
            if found is None:
                raise CommandError(f"No API key named {options['name']!r}")
            services.api_key_revoke(acting_user=None, api_key=found)
            self.stdout.write(f"Revoked {found.name!r}.")
        else:
            for api_key in selectors.api_keys():
                state = "revoked" if api_key.is_revoked else "active"
                self.stdout.write(f"{api_key.name}\t{api_key.key_prefix}…\t{state}")
