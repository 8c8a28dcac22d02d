"""`townhall reports_cleanup`: delete what residents started but never finished.

Schedule it daily (cron or a systemd timer, like `townhall notify deliver`): photos
uploaded to drafts nobody submitted within a day, anonymous reports nobody
confirmed by email within 7 days (with their photos), and photo or document files
left without a row by a rolled-back transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from townhall.service_requests import services


class Command(BaseCommand):
    help = "Delete stale draft photos, unconfirmed anonymous reports and files left behind by failed writes."

    def handle(self, *args: Any, **options: Any) -> None:
        photos = services.draft_photos_delete_stale()
        reports = services.unconfirmed_requests_delete()
        orphans = services.media_orphans_delete()
        self.stdout.write(
            f"Deleted {photos} draft photo(s), {reports} unconfirmed report(s) and {orphans} orphaned file(s)."
        )
