"""`townhall createstaff --email E --role R [--team T]`: take on a member of staff from the command line."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from townhall.accounts import services
from townhall.accounts.constants import StaffRole


class Command(BaseCommand):
    help = (
        "Create a member of staff with a one-time password, printed once. At their first sign-in they "
        "must set up an authenticator app before they can use the staff area."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--email", required=True, help="their work email address (they sign in with it)")
        parser.add_argument(
            "--role",
            required=True,
            action="append",
            dest="roles",
            metavar="ROLE",
            help=f"a staff role; repeat for more than one. One of: {', '.join(StaffRole.values)}",
        )
        parser.add_argument("--team", default="", help="their team's name (created if it does not exist)")
        parser.add_argument("--given-name", default="")
        parser.add_argument("--family-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            new = services.staff_onboard(
                acting_user=None,
                email=options["email"],
                roles=options["roles"],
                team_name=options["team"],
                given_name=options["given_name"],
                family_name=options["family_name"],
            )
        except services.StaffOnboardingError as error:
            raise CommandError(f"{error} Nothing was created.") from error
        except Exception as error:
            # The service runs in one transaction, so whatever failed, it rolled everything back.
            raise CommandError(
                f"Could not create the member of staff ({type(error).__name__}: {error}). Nothing was created. "
                "Run again with --traceback for details."
            ) from error
        held = set(new.user.role_assignments.values_list("role", flat=True))
        roles = ", ".join(str(role.label) for role in StaffRole if role in held)
        self.stdout.write(self.style.SUCCESS(f"Created member of staff {new.user.email} (user id {new.user.pk})."))
        self.stdout.write(f"Roles: {roles}")
        self.stdout.write(f"Team: {new.team.name if new.team else 'none'}")
        self.stdout.write(
            f"\nOne-time password: {new.one_time_password}\n"
            "It is shown only this once. Give it to them securely (not in the same email as their username).\n"
            "At their first sign-in they must set up an authenticator app (TOTP) before using the staff area,\n"
            "and should then change the password."
        )
