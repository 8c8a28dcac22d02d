"""Authenticator secrets are encrypted at rest, with a key derived from SECRET_KEY that can be rotated."""

from __future__ import annotations

import datetime as dt
import json

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt, encrypt
from django.test import override_settings

from tests.accounts.conftest import TEST_TOTP_SECRET
from townhall.accounts import selectors, services
from townhall.accounts.constants import StaffRole
from townhall.accounts.mfa_adapter import AuthenticatorSecretError, MFAAdapter, fernet_key

OLD_KEY = "old-secret-key-" + "o" * 50
NEW_KEY = "new-secret-key-" + "n" * 50


def test_round_trip_and_no_plain_text():
    adapter = MFAAdapter()

    token = adapter.encrypt(TEST_TOTP_SECRET)

    assert TEST_TOTP_SECRET not in token
    assert adapter.decrypt(token) == TEST_TOTP_SECRET
    assert adapter.encrypt(TEST_TOTP_SECRET) != token, "each encryption uses a fresh IV"


def test_the_key_depends_on_the_secret_key_only():
    assert fernet_key(OLD_KEY) == fernet_key(OLD_KEY)
    assert fernet_key(OLD_KEY) != fernet_key(NEW_KEY)


def test_allauth_uses_the_adapter():
    assert decrypt(encrypt("ABC")) == "ABC"
    assert encrypt("ABC") != "ABC"


def test_stored_authenticators_hold_no_plain_secret(make_staff):
    member = make_staff(StaffRole.CASE_OFFICER)

    stored = {a.type: a for a in Authenticator.objects.filter(user=member)}
    totp, recovery = stored[Authenticator.Type.TOTP], stored[Authenticator.Type.RECOVERY_CODES]

    assert TEST_TOTP_SECRET not in json.dumps(totp.data)
    assert decrypt(totp.data["secret"]) == TEST_TOTP_SECRET
    seed = decrypt(recovery.data["seed"])
    assert seed not in json.dumps(recovery.data)
    # allauth itself still reads them: codes validate and recovery codes are generated.
    assert TOTP(totp).validate_code(selectors.staff_totp_code(member))
    assert len(RecoveryCodes(recovery).generate_codes()) == 10


def test_a_rotated_secret_key_still_decrypts_through_the_fallbacks(make_staff):
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        member = make_staff(StaffRole.CASE_OFFICER)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert selectors.staff_totp_secret(member) == TEST_TOTP_SECRET
    with (
        override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(AuthenticatorSecretError, match="SECRET_KEY_FALLBACKS"),
    ):
        selectors.staff_totp_secret(member)


def test_reencrypting_lets_the_old_key_go(make_staff):
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        member = make_staff(StaffRole.CASE_OFFICER)
        codes_before = RecoveryCodes(Authenticator.objects.get(user=member, type="recovery_codes")).generate_codes()

    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert services.authenticator_secrets_reencrypt() == 2

    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert selectors.staff_totp_secret(member) == TEST_TOTP_SECRET
        recovery = Authenticator.objects.get(user=member, type="recovery_codes")
        assert RecoveryCodes(recovery).generate_codes() == codes_before


def test_a_secret_stored_before_encryption_gives_a_clear_error(make_staff):
    member = make_staff(StaffRole.CASE_OFFICER, mfa=False)
    Authenticator.objects.create(user=member, type=Authenticator.Type.TOTP, data={"secret": TEST_TOTP_SECRET})

    with pytest.raises(AuthenticatorSecretError, match="set up their authenticator again"):
        selectors.staff_totp_code(member)


def test_enrolment_returns_the_secret_and_codes_match_an_authenticator_app(make_staff):
    member = make_staff(StaffRole.CASE_OFFICER, mfa=False)

    secret = services.staff_enrol_totp(member)

    moment = dt.datetime(2026, 1, 15, 9, 30, 12, tzinfo=dt.UTC)
    assert selectors.staff_totp_code(member, at=moment) == pyotp.TOTP(secret).at(moment)
    assert set(Authenticator.objects.filter(user=member).values_list("type", flat=True)) == {"totp", "recovery_codes"}


def test_enrolment_accepts_a_given_secret_written_loosely(make_staff):
    member = make_staff(StaffRole.CASE_OFFICER, mfa=False)
    loose = " ".join(TEST_TOTP_SECRET[i : i + 4].lower() for i in range(0, len(TEST_TOTP_SECRET), 4))

    assert services.staff_enrol_totp(member, secret=loose) == TEST_TOTP_SECRET


@pytest.mark.parametrize(
    ("secret", "message"),
    [("not base32!", "must be base32"), ("JBSWY3DPEHPK3PXP", "at least 128 bits")],
)
def test_enrolment_refuses_weak_or_malformed_secrets(make_staff, secret, message):
    member = make_staff(StaffRole.CASE_OFFICER, mfa=False)

    with pytest.raises(services.TOTPEnrolmentError, match=message):
        services.staff_enrol_totp(member, secret=secret)
    assert not Authenticator.objects.filter(user=member).exists()


def test_enrolment_refuses_a_second_authenticator(make_staff):
    member = make_staff(StaffRole.CASE_OFFICER)

    with pytest.raises(services.TOTPEnrolmentError, match="already has"):
        services.staff_enrol_totp(member)
    assert Authenticator.objects.filter(user=member, type="totp").count() == 1


def test_code_for_someone_without_an_authenticator(make_staff):
    member = make_staff(StaffRole.CASE_OFFICER, mfa=False)

    with pytest.raises(selectors.TOTPNotEnrolledError):
        selectors.staff_totp_code(member)
