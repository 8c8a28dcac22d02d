"""`townhall reports_cleanup`: delete what residents started but never finished.

Schedule it daily (cron or a systemd timer, like `townhall notify deliver`): photos
uploaded to drafts nobody submitted within a day, and anonymous reports nobody
confirmed by email within 7 days (with their photos).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from townhall.service_requests import services


class Command(BaseCommand):
    help = "Delete draft photos older than a day and unconfirmed anonymous reports older than 7 days."

    def handle(self, *args: Any, **options: Any) -> None:
        photos = services.draft_photos_delete_stale()
        reports = services.unconfirmed_requests_delete()
        self.stdout.write(f"Deleted {photos} draft photo(s) and {reports} unconfirmed report(s).")
