"""Sign-in history (issue 5): what is recorded, who sees it, how long it is kept, export and erasure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.accounts import code_in, html, main_text
from tests.accounts import test_oidc as oidc
from tests.accounts.conftest import sign_in_with_mfa
from tests.conftest import TEST_PASSWORD
from townhall.accounts import permissions, services
from townhall.accounts.constants import SIGN_IN_HISTORY_DAYS, SecondStep, SignInMethod, SignInOutcome, StaffRole
from townhall.accounts.devices import UNKNOWN_DEVICE, device_description
from townhall.accounts.models import SignInEvent, User
from townhall.core import personal_data
from townhall.myaccount import services as myaccount_services

pytestmark = pytest.mark.django_db

# The fake OpenID Connect provider of test_oidc.py (a real HTTP server), under the same fixture names.
oidc_provider, provider, configured = oidc.oidc_provider, oidc.provider, oidc.configured

LOGIN = "/auth/login/"
HISTORY = "/account/security/sign-in-history/"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def browser(user_agent: str = ANDROID_CHROME, ip: str = "203.0.113.7") -> Client:
    return Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)


def test_a_password_sign_in_is_recorded_with_device_and_ip(resident: User) -> None:
    client = browser()
    response = client.post(LOGIN, {"login": resident.email, "password": TEST_PASSWORD})
    assert response.status_code == 302

    event = SignInEvent.objects.get(user=resident)
    assert event.outcome == SignInOutcome.SIGNED_IN
    assert event.method == SignInMethod.PASSWORD
    assert event.second_step == ""
    assert event.device == "Chrome Mobile on Android"
    assert event.ip_address == "203.0.113.7"


def test_a_wrong_password_is_recorded_against_the_account(resident: User) -> None:
    client = browser(WINDOWS_FIREFOX, "198.51.100.20")
    response = client.post(LOGIN, {"login": resident.email.upper(), "password": "not-the-password"})
    assert response.status_code == 200

    event = SignInEvent.objects.get(user=resident)
    assert event.outcome == SignInOutcome.WRONG_PASSWORD
    assert event.method == SignInMethod.PASSWORD
    assert event.device == "Firefox on Windows"
    assert event.ip_address == "198.51.100.20"


def test_an_email_with_no_account_records_nothing(resident: User) -> None:
    response = browser().post(LOGIN, {"login": "nobody-here@example.org", "password": "guess"})

    assert response.status_code == 200
    assert not SignInEvent.objects.exists()


def test_staff_sign_in_records_the_authenticator_app_and_a_wrong_code(make_staff: Callable[..., User]) -> None:
    officer = make_staff(StaffRole.CASE_OFFICER)
    client = browser()
    client.post(LOGIN, {"login": officer.email, "password": TEST_PASSWORD})
    client.post("/auth/2fa/authenticate/", {"code": "000000"})
    assert SignInEvent.objects.filter(user=officer).get().outcome == SignInOutcome.WRONG_SECURITY_CODE
    client.logout()

    sign_in_with_mfa(browser(), officer)

    signed_in = SignInEvent.objects.get(user=officer, outcome=SignInOutcome.SIGNED_IN)
    assert (signed_in.method, signed_in.second_step) == (SignInMethod.PASSWORD, SecondStep.AUTHENTICATOR_APP)
    wrong = SignInEvent.objects.get(user=officer, outcome=SignInOutcome.WRONG_SECURITY_CODE)
    assert wrong.second_step == SecondStep.AUTHENTICATOR_APP


def test_a_sign_in_with_an_emailed_code_is_recorded_as_such(resident: User) -> None:
    client = browser()
    client.post("/auth/login/code/", {"email": resident.email})
    client.post("/auth/login/code/confirm/", {"code": code_in(mail.outbox[-1])})

    assert SignInEvent.objects.get(user=resident).method == SignInMethod.EMAIL_CODE


def test_a_sign_in_through_the_identity_provider_names_it(client: Client, configured: oidc.FakeOIDCProvider) -> None:
    response = oidc.sign_in(client, configured)
    assert response.status_code == 302

    event = SignInEvent.objects.get(user__email=oidc.PERSON.email)
    assert (event.method, event.provider) == (SignInMethod.IDENTITY_PROVIDER, oidc.PROVIDER_NAME)


def test_the_page_lists_the_holders_history_newest_first_with_advice(resident: User) -> None:
    now = timezone.now()
    for hours, outcome in ((3, SignInOutcome.SIGNED_IN), (2, SignInOutcome.WRONG_PASSWORD)):
        services.sign_in_event_record(
            user=resident,
            outcome=outcome,
            method=SignInMethod.PASSWORD,
            user_agent=WINDOWS_FIREFOX,
            ip_address="192.0.2.44",
            at=now - dt.timedelta(hours=hours),
        )
    client = Client()
    client.force_login(resident)

    response = client.get(HISTORY)

    assert response.status_code == 200
    text = main_text(response)
    assert text.index("Wrong password") < text.index("Signed in")
    assert "Firefox on Windows" in text
    assert "192.0.2.44" in text
    assert "If you do not recognise a sign-in, change your password and sign out everywhere" in text
    page = html(response)
    assert 'href="/auth/password/change/"' in page
    assert 'href="/auth/sessions/"' in page
    assert 'href="/account/security/sign-in-history/"' in html(client.get("/account/security/"))


def test_nobody_sees_another_persons_history(resident: User, other_resident: User) -> None:
    services.sign_in_event_record(
        user=resident, outcome=SignInOutcome.SIGNED_IN, user_agent=WINDOWS_FIREFOX, ip_address="192.0.2.99"
    )
    client = Client()
    client.force_login(other_resident)

    response = client.get(HISTORY)

    assert response.status_code == 200
    assert "192.0.2.99" not in html(response)
    assert "There are no sign-ins to show yet" in main_text(response)
    assert Client().get(HISTORY).status_code == 302  # anonymous: to sign in


def test_the_history_is_paginated(resident: User) -> None:
    for _ in range(30):
        services.sign_in_event_record(
            user=resident, outcome=SignInOutcome.SIGNED_IN, user_agent="", ip_address="192.0.2.1"
        )
    client = Client()
    client.force_login(resident)

    first, second = client.get(HISTORY), client.get(HISTORY + "?page=2")

    assert html(first).count('<tr class="govuk-table__row">') == 1 + 25
    assert html(second).count('<tr class="govuk-table__row">') == 1 + 5
    assert 'class="govuk-pagination"' in html(first)


def test_the_sweep_deletes_only_rows_older_than_the_retention_period(resident: User) -> None:
    now = timezone.now()
    cutoff = now - dt.timedelta(days=SIGN_IN_HISTORY_DAYS)
    for at in (cutoff - dt.timedelta(minutes=1), cutoff + dt.timedelta(minutes=1), now):
        services.sign_in_event_record(
            user=resident, outcome=SignInOutcome.SIGNED_IN, user_agent="", ip_address=None, at=at
        )

    assert services.sign_in_history_sweep(now=now) == 1
    assert SignInEvent.objects.filter(occurred_at__lt=cutoff).count() == 0
    assert SignInEvent.objects.count() == 2


def test_the_cleanup_command_runs_the_sweep(resident: User, capsys: pytest.CaptureFixture[str]) -> None:
    services.sign_in_event_record(
        user=resident,
        outcome=SignInOutcome.SIGNED_IN,
        user_agent="",
        ip_address=None,
        at=timezone.now() - dt.timedelta(days=SIGN_IN_HISTORY_DAYS + 1),
    )
    call_command("accounts_cleanup")
    assert "Deleted 1 sign-in history record(s)" in capsys.readouterr().out
    assert not SignInEvent.objects.exists()


def test_the_data_export_holds_the_history_and_erasure_removes_it(resident: User) -> None:
    event = services.sign_in_event_record(
        user=resident, outcome=SignInOutcome.SIGNED_IN, user_agent=ANDROID_CHROME, ip_address="2001:db8::1"
    )

    tables = personal_data.collect_all(resident)["Your sign-in history"]
    (row,) = tables["Sign-ins and failed attempts"]
    assert row["id"] == event.pk
    assert row["ip_address"] == "2001:db8::1"
    assert row["device"] == "Chrome Mobile on Android"

    myaccount_services.erasure_request_create(acting_user=resident, user=resident)
    assert not SignInEvent.objects.filter(user=resident).exists()


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (ANDROID_CHROME, "Chrome Mobile on Android"),
        (WINDOWS_FIREFOX, "Firefox on Windows"),
        ("", UNKNOWN_DEVICE),
        ("x" * 5000, UNKNOWN_DEVICE),
    ],
)
def test_device_descriptions(user_agent: str, expected: str) -> None:
    assert device_description(user_agent) == expected


def test_a_bad_ip_address_is_stored_as_unknown(resident: User) -> None:
    event = services.sign_in_event_record(
        user=resident, outcome=SignInOutcome.SIGNED_IN, user_agent="", ip_address="not-an-ip"
    )
    assert event.ip_address is None


def test_a_passkey_counts_as_mfa_for_the_staff_door(make_staff: Callable[..., User]) -> None:
    """Staff with only a passkey are not sent to set up an app; a session without MFA is asked for the passkey."""
    officer = make_staff(StaffRole.CASE_OFFICER, mfa=False)
    Authenticator.objects.create(user=officer, type=Authenticator.Type.WEBAUTHN, data={"name": "Laptop"})
    assert permissions.has_mfa(officer)

    client = Client()
    client.force_login(officer)
    response = client.get("/staff/")

    assert response.status_code == 302
    assert response["Location"].startswith("/auth/2fa/webauthn/reauthenticate/?next=")
