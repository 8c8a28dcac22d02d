"""`townhall demo`: refusing existing data, --if-empty, all-or-nothing, logins and totp."""

import datetime as dt
import re
from io import StringIO

import pyotp
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.conftest import TEST_PASSWORD
from tests.demo.conftest import AS_OF
from tests.demo.digest import borough_digest
from townhall.accounts import services as account_services
from townhall.accounts.models import User
from townhall.demo import selectors, services
from townhall.demo.constants import DEMO_PASSWORD, DEMO_RESIDENTS, DEMO_STAFF
from townhall.demo.credentials import demo_totp_secret
from townhall.notify.constants import MessageState
from townhall.notify.models import OutboxMessage
from townhall.places.models import Address, Street, Ward


def run(*args):
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_refuses_a_database_with_data_and_writes_nothing(borough):
    with pytest.raises(CommandError, match=r"already has data \(148 users, 20 wards\)\. Use --reset"):
        run("--seed", "2")
    assert borough_digest() == borough.digest


def test_refuses_a_database_with_only_users(empty_db):
    account_services.user_create_resident(email="someone@example.org", password=TEST_PASSWORD)
    with pytest.raises(CommandError, match=r"already has data \(1 users, 0 wards\)"):
        run()
    assert not Ward.objects.exists()


def test_refuses_when_settings_forbid_the_demo(empty_db, settings):
    settings.TOWNHALL_DEMO_ALLOWED = False
    with pytest.raises(CommandError, match="not allowed with these settings"):
        run("--if-empty")
    assert not User.objects.exists()


def test_if_empty_leaves_existing_data_alone(borough):
    assert run("--if-empty", "--seed", "2").strip() == "Demo data already present; leaving it as it is."
    assert borough_digest() == borough.digest


def test_if_empty_generates_into_an_empty_database(borough, empty_db):
    output = run("--if-empty", "--seed", "1", "--as-of", AS_OF.isoformat())
    assert "Generated Demo borough (small, seed 1, as of 2026-01-15)" in output
    assert borough_digest() == borough.digest


def test_as_of_defaults_to_today_and_is_recorded(empty_db, monkeypatch):
    monkeypatch.setattr(services, "plan_borough", lambda **kwargs: _tiny_plan(**kwargs))
    run()
    assert selectors.demo_run_latest().as_of == timezone.localdate()


def _tiny_plan(*, seed, addresses):
    from townhall.demo.borough import plan_borough

    return plan_borough(seed=seed, addresses=min(addresses, 50))


def test_a_failure_part_way_leaves_nothing_behind(empty_db, monkeypatch):
    def fail(**kwargs):
        assert Address.objects.exists()  # the gazetteer was already written when this step fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_residents_create", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        run("--seed", "1")
    assert not Ward.objects.exists()
    assert not Street.objects.exists()
    assert not Address.objects.exists()
    assert not User.objects.exists()
    assert selectors.demo_run_latest() is None


def test_logins_table_lists_every_role_and_resident_with_a_current_code(borough):
    output = run("logins")
    assert "Demo borough (small, seed 1, as of 2026-01-15)" in output
    for member in DEMO_STAFF:
        line = next(line for line in output.splitlines() if member.email in line)
        secret = demo_totp_secret(seed=1, email=member.email)
        assert member.role.label in line
        assert DEMO_PASSWORD in line
        assert secret in line
        assert re.search(r"\b\d{6}$", line)
    for resident in DEMO_RESIDENTS:
        assert re.search(rf"Resident\s+{re.escape(resident.email)}\s+{DEMO_PASSWORD}$", output, re.MULTILINE)


def test_logins_codes_are_the_authenticator_apps_codes(borough):
    moment = dt.datetime(2026, 1, 15, 9, 30, 12, tzinfo=dt.UTC)
    for login in selectors.demo_logins(at=moment):
        if login.totp_secret:
            assert login.totp_code == pyotp.TOTP(login.totp_secret).at(moment)


def test_totp_prints_the_current_code(borough):
    email = DEMO_STAFF[0].email
    before = timezone.now()
    code = run("totp", email.upper()).strip()
    totp = pyotp.TOTP(demo_totp_secret(seed=1, email=email))
    assert code in {totp.at(before), totp.at(timezone.now())}


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@demo.townhall.test", "No user has the email address 'nobody@demo.townhall.test'"),
        (DEMO_RESIDENTS[0].email, "is not a member of staff"),
        (None, "Give the staff member's email"),
    ],
)
def test_totp_errors_are_clear(borough, email, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run("totp", *([email] if email else []))


def test_totp_for_staff_without_an_authenticator(empty_db):
    account_services.staff_create(email="new@council.example", password=TEST_PASSWORD, roles=["case_officer"])
    with pytest.raises(CommandError, match="has not set up an authenticator app"):
        run("totp", "new@council.example")


def test_logins_on_a_database_without_the_demo(empty_db):
    with pytest.raises(CommandError, match="Run `townhall demo` first"):
        run("logins")


def test_the_demo_records_its_messages_as_history_so_nothing_goes_out_at_start_up(borough):
    """Welcome messages and consultation receipts belong to the generated past (`make run` must not send them)."""
    messages = OutboxMessage.objects.all()
    assert messages.count() > len(DEMO_RESIDENTS)  # a welcome each, and the consultations' receipts
    assert set(messages.values_list("state", "provider_reference").distinct()) == {
        (MessageState.DELIVERED, "history (not sent)")
    }
