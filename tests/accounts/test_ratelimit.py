"""Lock-outs: too many failed sign-ins or code requests end on one "Too many attempts" page.

The page must read the same whether or not the email address has an account. Limits come from
ACCOUNT_RATE_LIMITS ("5/5m/key" failed sign-ins, "3/5m/key" code requests per email address).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tests.accounts import assert_clean_page, html, main_text, page_title, titled
from tests.conftest import TEST_PASSWORD
from townhall.accounts.models import User

pytestmark = pytest.mark.django_db

FAILED_SIGN_INS_ALLOWED = 5
CODE_REQUESTS_ALLOWED = 3
UNKNOWN = "nobody@example.org"


def fail_to_sign_in_until_locked_out(email: str) -> tuple[list[int], Client]:
    client = Client()
    statuses = [
        client.post("/auth/login/", {"login": email, "password": f"wrong-{attempt}"}).status_code
        for attempt in range(FAILED_SIGN_INS_ALLOWED)
    ]
    return statuses, client


def assert_too_many_attempts_page(response, email: str) -> None:
    assert response.status_code == 429
    assert_clean_page(response)
    assert page_title(response) == titled("Too many attempts")
    assert '<h1 class="govuk-heading-l">Too many attempts</h1>' in html(response)
    assert "Wait a few minutes, then try again." in main_text(response)
    assert email not in html(response)


def test_repeated_failed_sign_ins_lead_to_the_too_many_attempts_page(resident: User) -> None:
    statuses, client = fail_to_sign_in_until_locked_out(resident.email)
    assert statuses == [200] * FAILED_SIGN_INS_ALLOWED

    response = client.post("/auth/login/", {"login": resident.email, "password": "wrong-again"})

    assert_too_many_attempts_page(response, resident.email)


def test_lock_out_holds_even_with_the_right_password(resident: User) -> None:
    _, client = fail_to_sign_in_until_locked_out(resident.email)

    response = client.post("/auth/login/", {"login": resident.email, "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lock_out_is_per_email_address_and_does_not_touch_others(resident: User, other_resident: User) -> None:
    fail_to_sign_in_until_locked_out(resident.email)

    client = Client()
    response = client.post("/auth/login/", {"login": other_resident.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other_resident.pk)


def test_lock_out_page_is_the_same_for_known_and_unknown_email_addresses(resident: User) -> None:
    known_statuses, known = fail_to_sign_in_until_locked_out(resident.email)
    known_response = known.post("/auth/login/", {"login": resident.email, "password": "wrong-again"})
    cache.clear()  # the per-IP limit would otherwise trip first: both clients share 127.0.0.1
    unknown_statuses, unknown = fail_to_sign_in_until_locked_out(UNKNOWN)
    unknown_response = unknown.post("/auth/login/", {"login": UNKNOWN, "password": "wrong-again"})

    assert known_statuses == unknown_statuses
    assert known_response.status_code == unknown_response.status_code == 429
    assert_too_many_attempts_page(unknown_response, UNKNOWN)
    assert html(known_response) == html(unknown_response)


def test_failed_sign_ins_look_the_same_for_known_and_unknown_email_addresses(resident: User) -> None:
    known = Client().post("/auth/login/", {"login": resident.email, "password": "wrong"})
    unknown = Client().post("/auth/login/", {"login": UNKNOWN, "password": "wrong"})

    assert known.status_code == unknown.status_code == 200
    assert main_text(known).replace(resident.email, "EMAIL") == main_text(unknown).replace(UNKNOWN, "EMAIL")


@pytest.mark.parametrize("known", [True, False], ids=["known email", "unknown email"])
def test_repeated_code_requests_lead_to_the_too_many_attempts_page(resident: User, known: bool) -> None:
    """Each request from a fresh session: within one session allauth just returns to the pending code."""
    email = resident.email if known else UNKNOWN
    for _ in range(CODE_REQUESTS_ALLOWED):
        assert Client().post("/auth/login/code/", {"email": email}).status_code == 302

    response = Client().post("/auth/login/code/", {"email": email})

    assert_too_many_attempts_page(response, email)


def test_too_many_password_reset_requests_lead_to_the_too_many_attempts_page(resident: User) -> None:
    client = Client()
    responses = [client.post("/auth/password/reset/", {"email": resident.email}) for _ in range(6)]

    assert [r.status_code for r in responses[:5]] == [302] * 5
    assert_too_many_attempts_page(responses[5], resident.email)
