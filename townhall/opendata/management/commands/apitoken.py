"""`townhall apitoken create --user EMAIL` (prints the new token as its last line), `list --user EMAIL`, `revoke`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from townhall.accounts.models import User
from townhall.opendata import selectors, services


class Command(BaseCommand):
    help = (
        "CKAN API tokens for the open data portal. A token is shown once, when created; only its hash is stored. "
        "It can write only for data stewards and administrators."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        create = subcommands.add_parser("create", help="issue a token; the token is the last line printed")
        create.add_argument("--user", required=True, help="the account's email address")
        create.add_argument("--name", default="", help="what the token is for, e.g. harvester")
        listing = subcommands.add_parser("list", help="a user's tokens: prefix, name, created, revoked")
        listing.add_argument("--user", required=True)
        revoke = subcommands.add_parser("revoke", help="refuse a token from now on")
        revoke.add_argument("--user", required=True)
        revoke.add_argument("--prefix", required=True, help="the token's first 8 characters, as `list` shows")

    def _user(self, email: str) -> User:
        user = selectors.token_holder_by_email(email=email)
        if user is None:
            raise CommandError(f"No account with the email address {email!r}")
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["user"])
        subcommand = options["subcommand"]
        if subcommand == "create":
            try:
                token, raw = services.api_token_create(acting_user=None, user=user, name=options["name"])
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
            self.stdout.write(f"Created API token {token.token_prefix}… for that account. It is shown once; store it:")
            self.stdout.write(raw)
        elif subcommand == "list":
            for token in selectors.api_tokens_of(user=user):
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
                self.stdout.write(f"{token.token_prefix}…\t{token.name}\t{token.created_at:%Y-%m-%d}\t{state}")
        else:
            found = [t for t in selectors.api_tokens_of(user=user) if t.token_prefix == options["prefix"]]
            if not found:
                raise CommandError(f"That account has no token starting {options['prefix']!r}")
            for token in found:
                services.api_token_revoke(acting_user=None, token=token)
            self.stdout.write(f"Revoked {len(found)} token(s).")
