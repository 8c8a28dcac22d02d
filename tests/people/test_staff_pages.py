"""/staff/citizen-index/: who may open each page, audited views of personal data, review decisions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import Count
from django.test import Client

from tests.service_requests.conftest import sign_in_with_mfa
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.people import services
from townhall.people.constants import ReviewDecision
from townhall.people.models import Citizen, ReviewPair, SourceRecord, SourceSystem

from .conftest import load_synthetic

Person = Callable[[StaffRole], Client]


@pytest.fixture
def index(sources: dict[str, SourceSystem]) -> ReviewPair:
    """A small linked index and one pair waiting for review."""
    load_synthetic(sources, records=200, seed=9)
    services.linkage_run()
    low, high = SourceRecord.objects.order_by("pk")[:2]
    return ReviewPair.objects.create(
        record_low=low,
        record_high=high,
        match_probability=0.8,
        match_weight=2.0,
        explanation=[
            {"comparison": "prior", "label": "Chance two records are one person", "match_weight": -10.0},
            {"comparison": "surname", "label": "Exact match on surname", "match_weight": 12.0},
        ],
    )


@pytest.fixture
def person(staff_by_role: dict[StaffRole, User]) -> Person:
    return lambda role: sign_in_with_mfa(Client(), staff_by_role[role])


def _pages(pair: ReviewPair) -> list[str]:
    citizen = Citizen.objects.order_by("pk").first()
    assert citizen is not None
    return [
        "/staff/citizen-index/",
        "/staff/citizen-index/review/",
        f"/staff/citizen-index/review/{pair.pk}/",
        f"/staff/citizen-index/citizens/{citizen.citizen_id}/",
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, index: ReviewPair) -> None:
    for path in _pages(index):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/auth/login/" in response["Location"]


@pytest.mark.parametrize("role", [StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.CASE_OFFICER, StaffRole.TEAM_MANAGER])
def test_other_staff_get_404(person: Person, index: ReviewPair, role: StaffRole) -> None:
    client = person(role)
    for path in _pages(index):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("role", [StaffRole.DATA_STEWARD, StaffRole.INFORMATION_GOVERNANCE_OFFICER])
def test_stewards_and_governance_officers_see_every_page_and_views_are_audited(
    person: Person, index: ReviewPair, role: StaffRole
) -> None:
    client = person(role)
    before = AuditEntry.objects.filter(action__endswith=".viewed", action__startswith="people.").count()
    for path in _pages(index):
        response = client.get(path)
        assert response.status_code == 200, path
    content = client.get(f"/staff/citizen-index/review/{index.pk}/").content.decode()
    assert index.record_low.source_id in content
    assert "Exact match on surname" in content
    assert ("Record decision" in content) == (role == StaffRole.DATA_STEWARD)
    actions = set(
        AuditEntry.objects.filter(action__startswith="people.", action__endswith=".viewed").values_list(
            "action", flat=True
        )
    )
    assert actions == {"people.reviewqueue.viewed", "people.reviewpair.viewed", "people.citizen.viewed"}
    # The overview shows counts only: three audited pages plus the pair page again.
    assert AuditEntry.objects.filter(action__endswith=".viewed", action__startswith="people.").count() == before + 4


def test_governance_officers_cannot_decide(person: Person, index: ReviewPair) -> None:
    client = person(StaffRole.INFORMATION_GOVERNANCE_OFFICER)
    response = client.post(f"/staff/citizen-index/review/{index.pk}/", {"decision": "match"})
    assert response.status_code == 404
    index.refresh_from_db()
    assert index.decision == ReviewDecision.PENDING


def test_a_steward_records_a_decision(person: Person, index: ReviewPair) -> None:
    client = person(StaffRole.DATA_STEWARD)
    path = f"/staff/citizen-index/review/{index.pk}/"
    response = client.post(path, {"decision": ""})
    assert response.status_code == 400
    assert "Select whether these records are the same person" in response.content.decode()
    response = client.post(path, {"decision": "not_match", "reason": "different dates of birth on file"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/citizen-index/review/"
    index.refresh_from_db()
    assert index.decision == ReviewDecision.NOT_MATCH
    assert index.reason == "different dates of birth on file"
    assert AuditEntry.objects.filter(action="people.review_pair.decided", object_id=str(index.pk)).exists()


def test_unknown_pair_and_citizen_are_404(person: Person, index: ReviewPair) -> None:
    client = person(StaffRole.DATA_STEWARD)
    assert client.get("/staff/citizen-index/review/999999/").status_code == 404
    assert client.get("/staff/citizen-index/citizens/CIT-0000-0000-0000/").status_code == 404


def _citizens_with(records: int) -> list[Citizen]:
    return list(
        Citizen.objects.filter(status="active").annotate(n=Count("source_records")).filter(n=records).order_by("pk")
    )


def test_a_steward_merges_and_splits_through_the_pages(person: Person, index: ReviewPair) -> None:
    client = person(StaffRole.DATA_STEWARD)
    keep, other = _citizens_with(1)[:2]
    merge = f"/staff/citizen-index/citizens/merge/{keep.citizen_id}/"
    assert client.get(merge).status_code == 200
    response = client.post(merge, {"other": "", "reason": ""})
    assert response.status_code == 400
    assert "Enter the citizen id to merge into this one" in response.content.decode()
    response = client.post(merge, {"other": "CIT-NOPE", "reason": "same person"})
    assert response.status_code == 400
    assert "There is no citizen CIT-NOPE." in response.content.decode()
    response = client.post(merge, {"other": other.citizen_id.lower(), "reason": "same council tax account"})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.superseded_by == keep
    assert keep.source_records.count() == 2

    split = f"/staff/citizen-index/citizens/split/{keep.citizen_id}/"
    page = client.get(split).content.decode()
    moved = keep.source_records.order_by("pk").last()
    assert moved.source_id in page
    response = client.post(split, {"records": [str(r.pk) for r in keep.source_records.all()], "reason": "x"})
    assert response.status_code == 400
    assert "At least one record must stay with the citizen." in response.content.decode()
    response = client.post(split, {"records": [str(moved.pk)], "reason": "merged in error"})
    assert response.status_code == 302
    moved.refresh_from_db()
    assert moved.citizen != keep
    assert AuditEntry.objects.filter(action="people.citizen.split", object_id=keep.citizen_id).exists()


def test_only_stewards_may_merge_or_split(person: Person, index: ReviewPair) -> None:
    citizen = _citizens_with(1)[0]
    client = person(StaffRole.INFORMATION_GOVERNANCE_OFFICER)
    for action in ("merge", "split"):
        path = f"/staff/citizen-index/citizens/{citizen.citizen_id}/{action}/"
        assert client.get(path).status_code == 404
        assert client.post(path, {"other": "x", "reason": "x"}).status_code == 404
    assert (
        "Merge another citizen"
        not in client.get(f"/staff/citizen-index/citizens/{citizen.citizen_id}/").content.decode()
    )
