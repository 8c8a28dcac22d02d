"""`townhall myaccount_cleanup`: delete residents' data downloads once they expire.

Schedule it daily (cron or a systemd timer, like `townhall reports_cleanup`): files of
downloads older than EXPORT_RETENTION_DAYS are deleted and the downloads marked expired;
downloads whose background task was lost for a day are marked failed, so the resident
can ask again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from townhall.myaccount import services


class Command(BaseCommand):
    help = "Delete expired data downloads (subject access) and fail downloads stuck for a day."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = services.data_exports_expire()
        self.stdout.write(f"Deleted {deleted} expired data download(s).")
