"""Data rights: a resident's subject access download and erasure, built on the personal data registry.

Both iterate over townhall.core.personal_data.providers(), so a new source of personal
data takes part once its app registers a provider.

- `data_export_request` records a DataExport and, after commit, asks for
  `data_export_build` in the background (MyAccountConfig.ready installs the task). The
  build writes a ZIP (data.json, summary.html, README.txt) under MEDIA_ROOT/exports/ with
  a random name, marks the export READY and tells the resident; a failure leaves no file
  and marks it FAILED. `data_exports_expire` (`townhall myaccount_cleanup`, daily) deletes
  files after EXPORT_RETENTION_DAYS.
- `erasure_request_create` runs every provider's erase in one transaction and records the
  outcome; what was retained waits for an information governance officer
  (`erasure_request_approve`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role, is_council_staff
from townhall.audit.services import audit_record
from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction, ErasureItem
from townhall.myaccount.constants import EXPORT_RETENTION_DAYS, OBJECT_TYPE_USER, ErasureState, ExportState
from townhall.myaccount.models import DataExport, ErasureRequest
from townhall.notify.services import correspondence_send
from townhall.service_requests.services import site_url

logger = logging.getLogger(__name__)

EXPORTS_DIR = "exports"
# A download still PENDING this long after it was asked for has lost its task: fail it, so another can be asked for.
STALE_PENDING = dt.timedelta(days=1)

ACTION_EXPORT_REQUESTED = "myaccount.data_export.requested"
ACTION_EXPORT_PREPARED = "myaccount.data_export.prepared"
ACTION_EXPORT_DOWNLOADED = "myaccount.data_export.downloaded"
ACTION_ERASURE_REQUESTED = "myaccount.erasure.requested"
ACTION_ERASURE_APPROVED = "myaccount.erasure.approved"
OBJECT_TYPE_EXPORT = "myaccount.dataexport"
OBJECT_TYPE_ERASURE = "myaccount.erasurerequest"

EXPORT_READY_SUBJECT = "Your data download is ready"

CITIZEN_INDEX_NOTE = (
    "Records about you in other council systems (for example council tax, housing or social care), linked "
    "through the Citizen Index, are not included automatically. Ask for them on the 'Your data' page of your "
    "account once your identity is confirmed: our information governance team reviews those records and "
    "sends them to you within one month."
)

README_TEXT = """Your data from {council}
Prepared on {generated_at}

This download holds the personal data our online services hold about you.

  data.json     Everything, machine-readable (JSON): one entry per source of data
                ("sources"), each with its tables of rows. Every column we hold is
                included, except what "withheld" lists, with the reason.
  summary.html  The same information to read in a web browser.
  README.txt    This file.

What is not included
{withheld}

Other council systems
{citizen_index}

Keep this file safe: it holds your personal details. It is deleted from our
systems {retention} days after it was prepared; you can ask for a new one at any time.
"""


class DataRightsError(ValueError):
    """The request cannot be carried out for this account (a staff account, or one already erased)."""


ExportScheduler = Callable[[int], None]
_export_scheduler: ExportScheduler | None = None


def data_export_scheduler_install(scheduler: ExportScheduler | None) -> None:
    """Set what builds a download in the background (MyAccountConfig.ready installs the task)."""
    global _export_scheduler  # one process-wide hook, set at start-up
    _export_scheduler = scheduler


def _resident_only(*, acting_user: User, user: User) -> None:
    if acting_user.pk != user.pk and not has_role(acting_user, StaffRole.INFORMATION_GOVERNANCE_OFFICER):
        raise PermissionDenied("Only the account holder or an information governance officer may ask for this.")
    # role_assignments too: a closed staff account holds no roles in is_council_staff's eyes.
    if user.is_superuser or is_council_staff(user) or user.role_assignments.exists():
        raise DataRightsError("Staff accounts are handled by the council's HR and information governance teams.")


def export_path(file_name: str) -> Path:
    """Where a download's file lives: under MEDIA_ROOT, never served except by the owner's view."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / file_name).resolve()
    if root not in path.parents:
        raise ValueError(f"{file_name!r} is outside the media root.")
    return path


def export_file_delete(file_name: str) -> None:
    if file_name:
        export_path(file_name).unlink(missing_ok=True)


# --- subject access download -----------------------------------------------------------------------


@transaction.atomic
def data_export_request(*, acting_user: User, user: User) -> DataExport:
    """Ask for a download of `user`'s data; returns the one already being prepared if there is one."""
    _resident_only(acting_user=acting_user, user=user)
    User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time per account
    pending = DataExport.objects.filter(user=user, state=ExportState.PENDING).first()
    if pending is not None:
        return pending
    export = DataExport.objects.create(user=user)
    audit_record(actor=acting_user, action=ACTION_EXPORT_REQUESTED, object_type=OBJECT_TYPE_EXPORT, object_id=export.pk)
    export_id = export.pk

    def schedule_export() -> None:  # a named function: Django logs a robust callback's __qualname__
        if _export_scheduler is None:
            logger.warning("No export scheduler installed; data export %s stays pending.", export_id)
            return
        _export_scheduler(export_id)

    transaction.on_commit(schedule_export, robust=True)
    return export


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _summary_sources(sources: dict[str, personal_data.Tables]) -> list[dict[str, Any]]:
    """The same data shaped for the HTML summary: columns, and rows of text cells."""
    shaped = []
    for label, tables in sources.items():
        shaped_tables = []
        for table, rows in tables.items():
            columns = list(rows[0]) if rows else []
            shaped_tables.append(
                {"label": table, "columns": columns, "rows": [[_cell(row.get(c)) for c in columns] for row in rows]}
            )
        shaped.append({"label": label, "tables": shaped_tables})
    return shaped


def data_export_contents(*, user: User, generated_at: dt.datetime) -> dict[str, str]:
    """The files of a download: name → text."""
    account = {"id": user.pk, "email": user.email, "name": user.get_full_name()}
    sources = personal_data.collect_all(user)
    withheld = personal_data.withheld_all()
    data: dict[str, Any] = {
        "generated_at": generated_at.isoformat(),
        "account": account,
        "sources": sources,
        "withheld": withheld,
        "not_included": [CITIZEN_INDEX_NOTE],
    }
    council = str(getattr(settings, "TOWNHALL_COUNCIL_NAME", "") or "the council")
    summary = render_to_string(
        "myaccount/data/summary.html",
        {
            "council": council,
            "generated_at": generated_at,
            "account": account,
            "sources": _summary_sources(sources),
            "withheld": withheld,
            "citizen_index_note": CITIZEN_INDEX_NOTE,
        },
    )
    readme = README_TEXT.format(
        council=council,
        generated_at=generated_at.strftime("%d %B %Y at %H:%M UTC"),
        withheld="\n".join(f"  - {item}" for item in withheld) or "  Nothing.",
        citizen_index=f"  {CITIZEN_INDEX_NOTE}",
        retention=EXPORT_RETENTION_DAYS,
    )
    return {
        "data.json": json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        "summary.html": summary,
        "README.txt": readme,
    }


def _write_zip(path: Path, contents: dict[str, str]) -> int:
    """Write the ZIP next to its final name, then move it into place: no partial file under the final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in contents.items():
                archive.writestr(name, text)
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path.stat().st_size


def data_export_build(*, export_id: int, now: dt.datetime | None = None) -> DataExport | None:
    """Prepare a pending download (the background task calls this). Safe to run twice: only PENDING is built."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.state != ExportState.PENDING:
        return export
    moment = now or timezone.now()
    file_name = f"{EXPORTS_DIR}/{secrets.token_hex(20)}.zip"
    path = export_path(file_name)
    try:
        size = _write_zip(path, data_export_contents(user=export.user, generated_at=moment))
        with transaction.atomic():
            locked = DataExport.objects.select_for_update().filter(pk=export_id, state=ExportState.PENDING).first()
            if locked is None:  # erased or expired while we worked
                path.unlink(missing_ok=True)
                return None
            locked.state = ExportState.READY
            locked.file_name = file_name
            locked.size_bytes = size
            locked.completed_at = moment
            locked.expires_at = moment + dt.timedelta(days=EXPORT_RETENTION_DAYS)
            locked.save(update_fields=["state", "file_name", "size_bytes", "completed_at", "expires_at"])
            audit_record(actor=None, action=ACTION_EXPORT_PREPARED, object_type=OBJECT_TYPE_EXPORT, object_id=export_id)
            correspondence_send(
                recipient=export.user,
                subject=EXPORT_READY_SUBJECT,
                text=(
                    "The download of your data that you asked for is ready.\n\n"
                    f"Sign in and download it here: {site_url(reverse('myaccount:data'))}\n\n"
                    f"It will be deleted on {locked.expires_at:%d %B %Y}. If you did not ask for it, "
                    "change your password and contact us."
                ),
                idempotency_key=f"myaccount:data_export:{export_id}:ready",
                related_type=OBJECT_TYPE_EXPORT,
                related_id=export_id,
            )
        return locked
    except Exception:
        logger.exception("Data export %s failed; no file was kept.", export_id)
        path.unlink(missing_ok=True)
        DataExport.objects.filter(pk=export_id, state=ExportState.PENDING).update(
            state=ExportState.FAILED, completed_at=moment
        )
        return DataExport.objects.filter(pk=export_id).first()


def data_export_downloaded(*, acting_user: User, export: DataExport) -> None:
    """Record that the owner downloaded their file (a full copy of their data left our systems)."""
    audit_record(
        actor=acting_user, action=ACTION_EXPORT_DOWNLOADED, object_type=OBJECT_TYPE_EXPORT, object_id=export.pk
    )


def data_exports_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of downloads past their expiry (and fail ones whose task was lost); returns files deleted."""
    moment = now or timezone.now()
    DataExport.objects.filter(state=ExportState.PENDING, requested_at__lt=moment - STALE_PENDING).update(
        state=ExportState.FAILED, completed_at=moment
    )
    deleted = 0
    for export in DataExport.objects.filter(state=ExportState.READY, expires_at__lte=moment):
        with transaction.atomic():
            locked = DataExport.objects.select_for_update().filter(pk=export.pk, state=ExportState.READY).first()
            if locked is None:
                continue
            file_name = locked.file_name
            locked.state = ExportState.EXPIRED
            locked.file_name = ""
            locked.save(update_fields=["state", "file_name"])
            transaction.on_commit(lambda name=file_name: export_file_delete(name))  # type: ignore[misc]
        deleted += 1
    return deleted


# --- erasure -----------------------------------------------------------------------------------------


class _DryRun(Exception):  # noqa: N818 - a control-flow signal, not an error
    pass


def _erase_everything(user: User) -> list[ErasureItem]:
    items: list[ErasureItem] = []
    for provider in personal_data.providers():
        items.extend(provider.erase(user))
    return items


def _needs_review(items: list[ErasureItem]) -> bool:
    return any(item.action == ErasureAction.RETAINED and item.needs_review for item in items)


def erasure_preview(*, user: User) -> list[ErasureItem]:
    """What erasing `user` now would delete, anonymise and keep, found by running it and rolling it back."""
    items: list[ErasureItem] = []
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user.pk)
            items = _erase_everything(locked)
            raise _DryRun
    except _DryRun:
        pass
    return items


@transaction.atomic
def erasure_request_create(*, acting_user: User, user: User) -> ErasureRequest:
    """Erase `user`'s personal data now, except what must be kept; record the outcome and close the account.

    By the account holder (signed in), or by an information governance officer for an
    account closed with a deletion request. Everything runs in one transaction: either
    every source is erased or none is.
    """
    _resident_only(acting_user=acting_user, user=user)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if ErasureRequest.objects.filter(user=locked).exists():
        raise DataRightsError("This account's data has already been erased.")
    if not locked.is_active and locked.deletion_requested_at is None:
        raise DataRightsError("This account is closed.")
    items = _erase_everything(locked)
    now = timezone.now()
    review = _needs_review(items)
    erasure = ErasureRequest.objects.create(
        user=locked,
        state=ErasureState.AWAITING_REVIEW if review else ErasureState.COMPLETED,
        requested_at=now,
        outcome=[item.as_dict() for item in items],
        completed_at=None if review else now,
    )
    retained = sum(item.count for item in items if item.action == ErasureAction.RETAINED and item.needs_review)
    audit_record(
        actor=acting_user,
        action=ACTION_ERASURE_REQUESTED,
        object_type=OBJECT_TYPE_USER,
        object_id=locked.pk,
        reason=f"Erasure request {erasure.pk}: {retained} record(s) retained for review.",
    )
    user.refresh_from_db()
    return erasure


@transaction.atomic
def erasure_request_approve(*, acting_user: User, erasure_request_id: int) -> ErasureRequest:
    """An information governance officer confirms what was retained may be kept; the request is completed."""
    if not has_role(acting_user, StaffRole.INFORMATION_GOVERNANCE_OFFICER):
        raise PermissionDenied("Only information governance officers review erasure requests.")
    erasure = ErasureRequest.objects.select_for_update().get(pk=erasure_request_id)
    if erasure.state != ErasureState.AWAITING_REVIEW:
        raise DataRightsError("This erasure request has already been reviewed.")
    now = timezone.now()
    erasure.state = ErasureState.COMPLETED
    erasure.reviewed_by = acting_user
    erasure.reviewed_at = now
    erasure.completed_at = now
    erasure.save(update_fields=["state", "reviewed_by", "reviewed_at", "completed_at"])
    audit_record(
        actor=acting_user,
        action=ACTION_ERASURE_APPROVED,
        object_type=OBJECT_TYPE_ERASURE,
        object_id=erasure.pk,
        reason="Retained records reviewed and approved.",
    )
    return erasure
