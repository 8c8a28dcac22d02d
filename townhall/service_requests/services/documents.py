"""Documents attached to requests by staff: never public, type sniffed from the content, every download audited."""

from __future__ import annotations

import filetype
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from townhall.accounts.permissions import has_role
from townhall.audit.services import audit_record
from townhall.service_requests.constants import OBJECT_REQUEST
from townhall.service_requests.models import RequestDocument, ServiceRequest
from townhall.service_requests.services._shared import MANAGER_ROLES, Actor, require_request_access, update_author

ACTION_DOCUMENT_ATTACHED = "service_request.document.attached"
ACTION_DOCUMENT_DOWNLOADED = "service_request.document.downloaded"
ACTION_DOCUMENT_DELETED = "service_request.document.deleted"
OBJECT_DOCUMENT = "service_requests.request_document"

DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
# Sniffed from the content (filetype), never from the name the uploader gave.
DOCUMENT_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.ms-excel": "Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "text/plain": "Plain text",
    "text/csv": "CSV",
}
DOCUMENT_TYPES_HINT = "PDF, JPEG, PNG, GIF, WebP, Word, Excel, OpenDocument, plain text or CSV"


def document_content_type(upload: File) -> str:
    """The real type of an upload from its bytes; ValidationError when it is not one Townhall accepts."""
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in DOCUMENT_TYPES:
            upload.seek(0)
            return str(kind.mime)
        raise ValidationError({"file": f"The file must be a {DOCUMENT_TYPES_HINT} file"})
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError({"file": f"The file must be a {DOCUMENT_TYPES_HINT} file"}) from None
    if b"\x00" in content:
        raise ValidationError({"file": f"The file must be a {DOCUMENT_TYPES_HINT} file"})
    name = str(getattr(upload, "name", "") or "")
    return "text/csv" if name.lower().endswith(".csv") else "text/plain"


def request_document_attach(
    *, acting_user: Actor, service_request: ServiceRequest, upload: File, description: str = ""
) -> RequestDocument:
    """Store a document on a request after checking its real type and size; audited.

    The file is written first; if the row then fails to commit the file is removed again,
    so nothing is left half-written.
    """
    require_request_access(acting_user, service_request)
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": "The selected file is empty"})
    if size > DOCUMENT_MAX_BYTES:
        raise ValidationError({"file": "The selected file must be smaller than 20 MB"})
    content_type = document_content_type(upload)
    description = description.strip()
    if len(description) > 300:
        raise ValidationError({"description": "The description must be 300 characters or fewer"})
    filename = str(upload.name or "document").replace("\\", "/").rsplit("/", 1)[-1][:255] or "document"
    document = RequestDocument(
        request=service_request,
        filename=filename,
        content_type=content_type,
        size_bytes=size,
        description=description,
        uploaded_by=update_author(acting_user),
        uploaded_at=timezone.now(),
    )
    document.file.save(filename, upload, save=False)
    try:
        with transaction.atomic():
            document.save()
            audit_record(
                actor=acting_user,
                action=ACTION_DOCUMENT_ATTACHED,
                object_type=OBJECT_REQUEST,
                object_id=service_request.reference,
                reason=f"Document {document.pk}, {content_type}, {size} bytes.",
            )
    except BaseException:
        document.file.delete(save=False)
        raise
    return document


def request_document_download(*, acting_user: Actor, document: RequestDocument) -> RequestDocument:
    """Record that a member of staff is downloading a document, before the view sends it."""
    require_request_access(acting_user, document.request)
    with transaction.atomic():
        audit_record(
            actor=acting_user,
            action=ACTION_DOCUMENT_DOWNLOADED,
            object_type=OBJECT_REQUEST,
            object_id=document.request.reference,
            reason=f"Document {document.pk}.",
        )
    return document


def can_delete_document(user: Actor, document: RequestDocument) -> bool:
    """The member of staff who uploaded it, or a team manager or administrator."""
    if user is None:
        return True
    return (document.uploaded_by_id is not None and document.uploaded_by_id == user.pk) or has_role(
        user, *MANAGER_ROLES
    )


@transaction.atomic
def request_document_delete(*, acting_user: Actor, document: RequestDocument) -> None:
    require_request_access(acting_user, document.request)
    if not can_delete_document(acting_user, document):
        raise PermissionDenied("Only the person who attached a document, or a manager, can delete it.")
    name, document_id, reference = document.file.name or "", document.pk, document.request.reference
    RequestDocument.objects.filter(pk=document_id).delete()
    audit_record(
        actor=acting_user,
        action=ACTION_DOCUMENT_DELETED,
        object_type=OBJECT_REQUEST,
        object_id=reference,
        reason=f"Document {document_id}.",
    )
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
