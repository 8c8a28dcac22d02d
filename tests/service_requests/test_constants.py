"""The status rules: every status is open or closed, fixed or not, and the allowed moves are complete."""

from __future__ import annotations

import pytest

from townhall.service_requests.constants import (
    ALLOWED_TRANSITIONS,
    CLOSED_NOT_FIXED_STATUSES,
    CLOSED_STATUSES,
    FIXED_STATUSES,
    OPEN_STATUSES,
    Open311Status,
    Resolution,
    Status,
    open311_extended_status,
    open311_status,
    resolution,
    transition_allowed,
)


def test_the_issue_lists_exactly_these_statuses():
    assert {status.label for status in Status} == {
        "Open",
        "For triage",
        "Investigating",
        "In progress",
        "Action scheduled",
        "Reopened",
        "Fixed",
        "Closed (not fixed)",
        "No further action",
        "Not the council's responsibility",
        "Duplicate",
        "Internal referral",
        "Cancelled",
    }


def test_every_status_is_either_open_or_closed():
    assert set(Status.values) == OPEN_STATUSES | CLOSED_STATUSES
    assert not OPEN_STATUSES & CLOSED_STATUSES


@pytest.mark.parametrize("status", list(Status))
def test_open311_status_is_open_or_closed(status):
    expected = Open311Status.OPEN if status in OPEN_STATUSES else Open311Status.CLOSED
    assert open311_status(status) == expected


def test_fixmystreet_extended_statuses():
    # FixMyStreet's Open311 extended statuses, as its clients send and expect them.
    for extended in (
        "OPEN",
        "INVESTIGATING",
        "IN_PROGRESS",
        "ACTION_SCHEDULED",
        "FIXED",
        "CLOSED",
        "NO_FURTHER_ACTION",
        "NOT_COUNCILS_RESPONSIBILITY",
        "DUPLICATE",
        "INTERNAL_REFERRAL",
    ):
        assert open311_extended_status(Status(extended.lower())) == extended


def test_fixed_is_distinct_from_closed_not_fixed():
    assert {Status.FIXED} == FIXED_STATUSES
    assert Status.CLOSED in CLOSED_NOT_FIXED_STATUSES
    assert not FIXED_STATUSES & CLOSED_NOT_FIXED_STATUSES
    assert resolution(Status.FIXED) == Resolution.FIXED
    assert resolution(Status.CLOSED) == Resolution.CLOSED_NOT_FIXED
    assert resolution(Status.NOT_COUNCILS_RESPONSIBILITY) == Resolution.CLOSED_NOT_FIXED
    assert resolution(Status.IN_PROGRESS) == Resolution.OPEN


def test_every_status_has_its_allowed_moves_and_none_to_itself():
    assert set(ALLOWED_TRANSITIONS) == set(Status.values)
    for status, targets in ALLOWED_TRANSITIONS.items():
        assert status not in targets
        assert targets <= set(Status.values)


@pytest.mark.parametrize("closed", sorted(CLOSED_STATUSES))
def test_a_closed_request_can_only_be_reopened(closed):
    assert ALLOWED_TRANSITIONS[closed] == {Status.REOPENED}


def test_reopened_is_reached_only_from_a_closed_status():
    sources = {status for status, targets in ALLOWED_TRANSITIONS.items() if Status.REOPENED in targets}
    assert sources == CLOSED_STATUSES


@pytest.mark.parametrize("status", sorted(OPEN_STATUSES))
def test_an_open_request_can_be_worked_on_or_closed_in_any_way(status):
    for closed in CLOSED_STATUSES:
        assert transition_allowed(status, closed)
    for working in (Status.INVESTIGATING, Status.IN_PROGRESS, Status.ACTION_SCHEDULED, Status.FOR_TRIAGE):
        assert transition_allowed(status, working) == (status != working)


def test_unknown_statuses_allow_nothing():
    assert not transition_allowed("nonsense", Status.OPEN)
    assert not transition_allowed(Status.OPEN, "nonsense")
