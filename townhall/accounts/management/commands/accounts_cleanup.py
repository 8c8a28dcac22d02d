"""`townhall accounts_cleanup` (schedule daily): delete sign-in history older than 90 days."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from townhall.accounts import services
from townhall.accounts.constants import SIGN_IN_HISTORY_DAYS


class Command(BaseCommand):
    help = f"Delete sign-in history older than {SIGN_IN_HISTORY_DAYS} days (schedule daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = services.sign_in_history_sweep()
        self.stdout.write(f"Deleted {deleted} sign-in history record(s) older than {SIGN_IN_HISTORY_DAYS} days.")
