"""Large uploads, validated in the background: staged privately, checked by a task, then published or refused.

A file above `background_validation_bytes()` (OPENDATA_BACKGROUND_VALIDATION_BYTES, 5 MB)
would keep the steward waiting while Frictionless reads every row, so the upload page hands
it to `staged_upload_create` instead: the file goes to private staging storage
(`opendata/staging/<id>/`, never linked or served) with a StagedUpload row, and after commit
the task (`tasks.staged_upload_check`, installed by OpenDataConfig.ready) runs
`staged_upload_check`. That is the same `upload_check` and `checked_file_publish` as the
immediate path, with the larger limit `background_upload_max_bytes()`
(OPENDATA_BACKGROUND_UPLOAD_MAX_BYTES, 500 MB), reporting rows checked as it goes.

The same goes for a large file added to a dataset as a new resource (the row names the
dataset and the resource-to-be's name instead of a resource): the resource and its first
version are created together, in one transaction, only once the file has passed.

The check streams the staged file from disk (validation, the change summary and storing
the version all read it in turn), so its memory does not grow with the file's size.

- Accepted: the new version (and, for a new file, its resource) is stored in one transaction;
  the row points at them.
- Refused: the report is kept on the row; nothing is stored.
- Crashed: the row says failed and why; the transaction rolled back, so nothing half-written.
Either way the staged file is deleted when checking ends. `staged_uploads_sweep` (run by
`townhall opendata sweep-uploads`, daily) deletes staged files older than a day (marking
unfinished ones failed: their worker died) and rows older than STAGED_KEEP_DAYS.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import User
from townhall.opendata import services
from townhall.opendata.models import Dataset, Resource, ResourceVersion, StagedUpload, StagedUploadState
from townhall.opendata.services import versions
from townhall.opendata.validation_report import REPORT_LIMIT, Problem

logger = logging.getLogger(__name__)

BACKGROUND_VALIDATION_BYTES = 5 * 1024 * 1024
BACKGROUND_UPLOAD_MAX_BYTES = 500 * 1024 * 1024
STAGING_DIR = "opendata/staging"
STAGED_FILE_MAX_AGE = dt.timedelta(days=1)
STAGED_KEEP_DAYS = 30
# Progress is written at most this often (each write is a small UPDATE the progress page reads).
PROGRESS_EVERY_ROWS = 2_000
PROGRESS_EVERY_SECONDS = 1.0

_schedule: Callable[[uuid.UUID], None] | None = None


def staged_upload_scheduler_install(schedule: Callable[[uuid.UUID], None]) -> None:
    global _schedule  # installed once at start-up
    _schedule = schedule


def background_validation_bytes() -> int:
    """Files larger than this are checked in the background."""
    return int(getattr(settings, "OPENDATA_BACKGROUND_VALIDATION_BYTES", BACKGROUND_VALIDATION_BYTES))


def background_upload_max_bytes() -> int:
    """The largest file the background path accepts."""
    return int(getattr(settings, "OPENDATA_BACKGROUND_UPLOAD_MAX_BYTES", BACKGROUND_UPLOAD_MAX_BYTES))


def needs_background(size: int | None) -> bool:
    return size is not None and size > background_validation_bytes()


def _storage() -> Storage:
    return StagedUpload._meta.get_field("file").storage


def _expected_rows(handle: Any, filename: str) -> int | None:
    """About how many data rows a CSV has (its lines less the header), for "N of about M"; None otherwise."""
    if not filename.lower().endswith(".csv"):
        return None
    lines = 0
    last = b"\n"
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    handle.seek(0)
    lines += 0 if last == b"\n" else 1
    return max(lines - 1, 0)


def staged_upload_create(
    *,
    acting_user: versions.Actor,
    upload: File,
    filename: str,
    change_note: str = "",
    resource: Resource | None = None,
    dataset: Dataset | None = None,
    name: str = "",
    description: str = "",
) -> StagedUpload:
    """Stage a large file for checking in the background. ValidationError (nothing kept) when it cannot be.

    Either the next version of `resource`, or a new resource in `dataset` called `name`
    (with `description`), created only if the file passes. The file is written to staging
    storage and its row saved in one go; the check is queued after commit.
    """
    versions.require_steward(acting_user)
    if (resource is None) == (dataset is None):
        raise ValueError("Stage a file for a resource or for a dataset, not both or neither.")
    if dataset is not None and not name.strip():
        raise ValidationError({"name": ["Enter a name for the file"]})
    filename = versions.clean_filename(filename)
    limit = background_upload_max_bytes()
    size = upload.size
    if size is None or size > limit:
        raise versions.UploadRejectedError(
            [Problem(row=None, field="", cell="", message=f"The file is larger than the limit of {limit // 2**20} MB.")]
        )
    if size == 0:
        raise versions.UploadRejectedError([Problem(row=None, field="", cell="", message="The file is empty.")])
    upload.seek(0)
    expected = _expected_rows(upload, filename)
    staged = StagedUpload(
        resource=resource,
        dataset=dataset if resource is None else None,
        name=name.strip() if resource is None else "",
        description=description.strip() if resource is None else "",
        filename=filename,
        size=size,
        change_note=change_note.strip(),
        rows_expected=expected,
        created_by=acting_user if isinstance(acting_user, User) else None,
    )
    storage = _storage()
    stored = storage.save(f"{STAGING_DIR}/{staged.pk}/{storage.get_valid_name(filename)}", upload)
    try:
        with transaction.atomic():
            staged.file.name = stored
            staged.full_clean(exclude=["resource", "dataset", "created_by", "version"])
            staged.save(force_insert=True)
            if _schedule is not None:
                schedule, staged_id = _schedule, staged.pk
                transaction.on_commit(lambda: schedule(staged_id))
    except BaseException:
        storage.delete(stored)
        raise
    return staged


class _Progress:
    """Writes rows checked to the row every PROGRESS_EVERY_ROWS rows or PROGRESS_EVERY_SECONDS, whichever is later."""

    def __init__(self, staged_id: uuid.UUID) -> None:
        self.staged_id = staged_id
        self.written_at = time.monotonic()
        self.written_rows = 0

    def __call__(self, rows: int) -> None:
        if rows - self.written_rows < PROGRESS_EVERY_ROWS:
            return
        now = time.monotonic()
        if now - self.written_at < PROGRESS_EVERY_SECONDS:
            return
        StagedUpload.objects.filter(pk=self.staged_id).update(rows_checked=rows)
        self.written_at, self.written_rows = now, rows


def _finish(staged: StagedUpload, **changes: Any) -> None:
    """Record the outcome and delete the staged file (its contents are now a version, or refused)."""
    if staged.file.name:
        _storage().delete(staged.file.name)
    changes.update(file="", finished_at=timezone.now())
    for field, value in changes.items():
        setattr(staged, field, value)
    staged.save(update_fields=list(changes))


def _publish(staged: StagedUpload, checked: versions.CheckedFile, limit: int) -> ResourceVersion:
    """The checked file as the resource's next version, or as a new resource with it as version 1 (one transaction)."""
    if staged.resource is not None:
        return versions.checked_file_publish(
            acting_user=staged.created_by,
            resource=staged.resource,
            checked=checked,
            change_note=staged.change_note,
            max_bytes=limit,
        )
    assert staged.dataset is not None  # noqa: S101 - the row's constraint: a resource or a dataset
    fields = services.ResourceFields(
        name=staged.name, description=staged.description, checked=checked, change_note=staged.change_note
    )
    resource = services.resource_create(acting_user=staged.created_by, dataset=staged.dataset, fields=fields)
    assert resource.current_version is not None  # noqa: S101 - resource_create stored the checked file
    return resource.current_version


def staged_upload_check(*, staged_id: uuid.UUID) -> StagedUpload | None:
    """The task's work: validate the staged file, then publish it (a new version or a new resource) or keep the report.

    Runs once per upload: a row that is no longer waiting (the task ran twice) is left alone.
    """
    claimed = StagedUpload.objects.filter(pk=staged_id, state=StagedUploadState.QUEUED).update(
        state=StagedUploadState.CHECKING
    )
    staged = StagedUpload.objects.select_related("resource", "dataset", "created_by").filter(pk=staged_id).first()
    if staged is None or not claimed:
        return staged
    try:
        limit = background_upload_max_bytes()
        with versions.local_file(staged.file) as path:
            checked = versions.upload_check(
                resource=staged.resource or Resource(dataset=staged.dataset),
                filename=staged.filename,
                path=path,
                max_bytes=limit,
                on_row=_Progress(staged.pk),
            )
            version = _publish(staged, checked, limit)
    except versions.UploadRejectedError as rejected:
        _finish(
            staged,
            state=StagedUploadState.REJECTED,
            problems=[problem.as_dict() for problem in rejected.problems],
            truncated=rejected.truncated,
        )
    except ValidationError as error:  # e.g. the same file as the current version, or a schema that is not valid
        problems = [Problem(row=None, field="", cell="", message=message) for message in error.messages]
        _finish(staged, state=StagedUploadState.REJECTED, problems=[problem.as_dict() for problem in problems])
    except Exception as error:  # a crash: say so; the version's transaction rolled back
        logger.exception("Checking staged upload %s failed", staged_id)
        _finish(staged, state=StagedUploadState.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
    else:
        _finish(
            staged,
            state=StagedUploadState.ACCEPTED,
            resource=version.resource,
            version=version,
            rows_checked=checked.row_count or 0,
        )
    return staged


def staged_problems(staged: StagedUpload) -> list[Problem]:
    return [Problem.from_dict(values) for values in staged.problems[:REPORT_LIMIT]]


def staged_uploads_sweep(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Delete staged files older than a day (unfinished ones are marked failed) and rows older than
    STAGED_KEEP_DAYS; also files in staging that no row claims. Returns (files deleted, rows deleted)."""
    now = now or timezone.now()
    cutoff = now - STAGED_FILE_MAX_AGE
    storage = _storage()
    files = 0
    for staged in StagedUpload.objects.filter(created_at__lt=cutoff).exclude(file=""):
        if not staged.finished:
            staged.error = "Checking did not finish within a day. Upload the file again."
            staged.state = StagedUploadState.FAILED
        _finish(staged, state=staged.state, error=staged.error)
        files += 1
    if storage.exists(STAGING_DIR):
        claimed = {str(pk) for pk in StagedUpload.objects.exclude(file="").values_list("pk", flat=True)}
        for directory in storage.listdir(STAGING_DIR)[0]:
            path = f"{STAGING_DIR}/{directory}"
            for name in storage.listdir(path)[1]:
                if directory not in claimed and storage.get_modified_time(f"{path}/{name}") < cutoff:
                    storage.delete(f"{path}/{name}")
                    files += 1
    rows, _ = StagedUpload.objects.filter(created_at__lt=now - dt.timedelta(days=STAGED_KEEP_DAYS)).delete()
    return files, rows
