"""audit_verify: a clean chain passes; every kind of tampering behind the ORM's back is caught and named."""

from __future__ import annotations

import pytest

from tests.audit.conftest import execute_sql, record_entries
from townhall.audit.models import AuditEntry, compute_entry_hash
from townhall.audit.selectors import audit_verify

pytestmark = pytest.mark.django_db


def test_an_empty_log_is_valid() -> None:
    result = audit_verify()

    assert (result.ok, result.checked, result.first_bad_id) == (True, 0, None)
    assert result.message == "Audit chain valid: 0 entries checked."


@pytest.mark.parametrize("chunk_size", [1, 2, 2000])
def test_a_clean_chain_is_valid_in_any_chunk_size(chunk_size: int) -> None:
    record_entries(5)

    result = audit_verify(chunk_size=chunk_size)

    assert (result.ok, result.checked, result.first_bad_id, result.problem) == (True, 5, None, "")
    assert result.message == "Audit chain valid: 5 entries checked."


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("reason", "Nothing to see here"),
        ("actor_id", 999),
        ("actor_role", "administrator"),
        ("action", "resident.personal_data.corrected"),
        ("object_id", "43"),
        ("request_id", "forged-request"),
        ("occurred_at", "2020-01-01 00:00:00"),
    ],
)
def test_an_edited_field_names_that_entry(column: str, value: object) -> None:
    entries = record_entries(5)
    execute_sql(f"UPDATE {{entries}} SET {column} = %s WHERE id = %s", [value, entries[2].pk])  # noqa: S608

    result = audit_verify()

    assert not result.ok
    assert result.first_bad_id == entries[2].pk
    assert "edited" in result.problem
    assert result.message.startswith(f"Audit chain broken at entry id {entries[2].pk}: ")


def test_an_edit_with_a_recomputed_hash_names_the_entry_after_it() -> None:
    entries = record_entries(5)
    edited = AuditEntry.objects.get(pk=entries[1].pk)
    edited.reason = "Nothing to see here"
    execute_sql(
        "UPDATE {entries} SET reason = %s, entry_hash = %s WHERE id = %s",
        [edited.reason, edited.compute_hash(), edited.pk],
    )

    result = audit_verify()

    assert (result.ok, result.first_bad_id) == (False, entries[2].pk)
    assert f"entry id {entries[1].pk}" in result.problem


def test_a_deleted_entry_names_the_next_one() -> None:
    entries = record_entries(5)
    execute_sql("DELETE FROM {entries} WHERE id = %s", [entries[2].pk])

    result = audit_verify()

    assert (result.ok, result.first_bad_id) == (False, entries[3].pk)
    assert "deleted" in result.problem


def test_a_deleted_first_entry_is_caught() -> None:
    entries = record_entries(3)
    execute_sql("DELETE FROM {entries} WHERE id = %s", [entries[0].pk])

    result = audit_verify()

    assert (result.ok, result.first_bad_id) == (False, entries[1].pk)


def test_swapped_entries_name_the_first_one_out_of_place() -> None:
    entries = record_entries(5)
    second, third = entries[1], entries[2]
    # Three steps: sequence is unique.
    execute_sql("UPDATE {entries} SET sequence = %s WHERE id = %s", [1_000_000, second.pk])
    execute_sql("UPDATE {entries} SET sequence = %s WHERE id = %s", [second.sequence, third.pk])
    execute_sql("UPDATE {entries} SET sequence = %s WHERE id = %s", [third.sequence, second.pk])

    result = audit_verify()

    assert (result.ok, result.first_bad_id) == (False, third.pk)  # now second in the chain
    assert "reordered" in result.problem


def test_a_deleted_newest_entry_is_caught_by_the_chain_head() -> None:
    entries = record_entries(5)
    execute_sql("DELETE FROM {entries} WHERE id = %s", [entries[4].pk])

    result = audit_verify()

    assert not result.ok
    assert result.checked == 4
    assert result.first_bad_id is None
    assert f"entry id {entries[3].pk}" in result.problem
    assert "newest entries were deleted" in result.problem
    assert result.message == f"Audit chain broken: {result.problem}"


def test_every_entry_deleted_is_caught_by_the_chain_head() -> None:
    record_entries(3)
    execute_sql("DELETE FROM {entries}")

    result = audit_verify()

    assert (result.ok, result.checked, result.first_bad_id) == (False, 0, None)
    assert "records 3 entries" in result.problem


def test_a_rewritten_newest_entry_is_caught_by_the_chain_head() -> None:
    entries = record_entries(3)
    newest = AuditEntry.objects.get(pk=entries[2].pk)
    newest.reason = "Nothing to see here"
    execute_sql(
        "UPDATE {entries} SET reason = %s, entry_hash = %s WHERE id = %s",
        [newest.reason, newest.compute_hash(), newest.pk],
    )

    result = audit_verify()

    assert (result.ok, result.first_bad_id) == (False, newest.pk)
    assert "chain head" in result.problem


def test_an_entry_slipped_in_after_the_head_is_named() -> None:
    entries = record_entries(2)
    last = AuditEntry.objects.get(pk=entries[1].pk)
    forged = {**last.hashed_values(), "sequence": 3, "previous_hash": last.entry_hash, "object_id": "99"}
    execute_sql(
        "INSERT INTO {entries} (sequence, occurred_at, actor_id, actor_role, action, object_type, object_id, "
        "reason, request_id, previous_hash, entry_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            *(forged[name] for name in ("sequence", "occurred_at", "actor_id", "actor_role", "action")),
            *(forged[name] for name in ("object_type", "object_id", "reason", "request_id", "previous_hash")),
            compute_entry_hash(forged),
        ],
    )
    forged_id = AuditEntry.objects.get(sequence=3).pk

    result = audit_verify()

    assert (result.ok, result.first_bad_id) == (False, forged_id)
    assert "beyond the chain head" in result.problem


def test_a_missing_chain_head_is_caught() -> None:
    record_entries(2)
    execute_sql("DELETE FROM {head}")

    result = audit_verify()

    assert (result.ok, result.first_bad_id) == (False, None)
    assert "chain head row is missing" in result.problem
