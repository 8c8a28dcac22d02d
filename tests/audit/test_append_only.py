"""The ORM refuses to change or remove audit entries; the Django admin only shows them."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from tests.audit.conftest import record_entries
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry, AuditLogAppendOnlyError
from townhall.audit.selectors import audit_verify

pytestmark = pytest.mark.django_db


def test_saving_an_existing_entry_is_refused() -> None:
    entry = record_entries(1)[0]
    entry.reason = "rewritten"

    with pytest.raises(AuditLogAppendOnlyError):
        entry.save()
    with pytest.raises(AuditLogAppendOnlyError):
        entry.save(update_fields=["reason"])

    assert AuditEntry.objects.get(pk=entry.pk).reason == "Case 1"


def test_deleting_an_entry_is_refused() -> None:
    entry = record_entries(1)[0]

    with pytest.raises(AuditLogAppendOnlyError):
        entry.delete()

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "write",
    [
        lambda entries: AuditEntry.objects.filter(pk=entries[0].pk).update(reason="rewritten"),
        lambda entries: AuditEntry.objects.all().update(reason="rewritten"),
        lambda entries: AuditEntry.objects.filter(pk=entries[0].pk).delete(),
        lambda entries: AuditEntry.objects.all().delete(),
        lambda entries: AuditEntry.objects.bulk_update(entries, ["reason"]),
        lambda entries: AuditEntry.objects.bulk_create([AuditEntry(sequence=99)]),
        lambda entries: AuditEntry.objects.update_or_create(pk=entries[0].pk, defaults={"reason": "rewritten"}),
    ],
    ids=["update-one", "update-all", "delete-one", "delete-all", "bulk-update", "bulk-create", "update-or-create"],
)
def test_queryset_writes_are_refused(write) -> None:
    entries = record_entries(2)

    with pytest.raises(AuditLogAppendOnlyError):
        write(entries)

    assert list(AuditEntry.objects.values_list("reason", flat=True)) == ["Case 1", "Case 2"]
    assert audit_verify().ok


def test_django_admin_shows_entries_but_allows_no_add_change_or_delete() -> None:
    superuser = User.objects.create_superuser(email="root@council.example", password="x" * 20)
    request = RequestFactory().get("/django-admin/")
    request.user = superuser
    model_admin = admin.site._registry[AuditEntry]
    entry = record_entries(1)[0]

    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
