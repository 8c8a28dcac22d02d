"""Identity assurance: what an account must prove before it sees records from other council systems.

Three ways, none of which is matching a name, date of birth and address (anyone can know
those): a one-time PIN posted to the address on the account (proves the person receives
post there), a member of staff checking documents, or GOV.UK One Login's identity check
(when the council connects it). Once verified, the account is linked to the one citizen
whose council records match it (people.services.account_citizen_link), if there is one.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from townhall.accounts.models import User
from townhall.accounts.permissions import can_find_residents
from townhall.audit.services import audit_record
from townhall.myaccount import constants
from townhall.myaccount.constants import IDENTITY_METHOD_CONFIDENCE, IdentityConfidence, IdentityMethod
from townhall.myaccount.models import IdentityPin, IdentityVerification, ResidentProfile
from townhall.myaccount.selectors import identity as identity_selectors
from townhall.myaccount.selectors import preferences as preference_selectors
from townhall.notify import services as notify
from townhall.people import services as people_services

_PIN_SALT = "townhall.myaccount.identity_pin"


class IdentityError(ValueError):
    """The check cannot go ahead; the message says why, in words fit for the resident."""


@dataclass(frozen=True)
class ProvenIdentity:
    """What an identity provider proved about the person: the name and date of birth it checked, and how well."""

    given_name: str
    family_name: str
    date_of_birth: dt.date
    vot: str  # the vector of trust achieved, "P2" for medium confidence


def _pin_digest(pin: str) -> str:
    return salted_hmac(_PIN_SALT, pin.strip().upper().replace(" ", "").replace("-", "")).hexdigest()


def _audit(*, acting_user: User, user: User, action: str, reason: str) -> None:
    audit_record(
        actor=acting_user, action=action, object_type=constants.OBJECT_TYPE_USER, object_id=user.pk, reason=reason
    )


def _link_council_records(
    *, acting_user: User | None, user: User, method: IdentityMethod, proven: ProvenIdentity | None = None
) -> None:
    """Once verified, link the account to the citizen whose council records match its name, birth date and address.

    A check that proved the name and date of birth (One Login) is matched with those, not
    with what the account holder typed.
    """
    profile = ResidentProfile.objects.filter(user=user).select_related("address__street").first()
    address = profile.address if profile is not None else None
    date_of_birth = profile.date_of_birth if profile is not None else None
    people_services.account_citizen_link(
        acting_user=acting_user,
        user=user,
        given_name=proven.given_name if proven is not None else user.given_name,
        family_name=proven.family_name if proven is not None else user.family_name,
        date_of_birth=proven.date_of_birth if proven is not None else date_of_birth,
        postcode=address.postcode if address is not None else "",
        address_lines=tuple(address.lines) if address is not None else (),
        verified_by=str(method),
    )


def _pin_letter_text(*, pin: str, expires: dt.date) -> str:
    grouped = f"{pin[:4]}-{pin[4:]}"
    return (
        "You asked us to confirm your identity for your council account.\n\n"
        f"Your PIN is: {grouped}\n\n"
        "Sign in to your account, go to 'Your identity' and enter this PIN. "
        f"It works until {expires:%-d %B %Y}.\n\n"
        "If you did not ask for this, someone may be trying to use your address: call us, and do not "
        "share the PIN with anyone."
    )


@transaction.atomic
def identity_pin_post(*, acting_user: User, user: User, now: dt.datetime | None = None) -> IdentityPin:
    """Post a one-time PIN to the account's address (GOV.UK Notify prints it).

    The PIN is in the letter only: the account's inbox copy says a letter was sent, and the
    database keeps a keyed digest. At most three letters in 30 days.
    """
    now = now or timezone.now()
    if identity_selectors.identity_verified(user=user) is not None:
        raise IdentityError("Your identity is already confirmed")
    lines = preference_selectors.postal_address_lines(user=user)
    if not lines:
        raise IdentityError("Add your address to your details first, so we know where to post the PIN")
    recent = IdentityPin.objects.filter(user=user, posted_at__gte=now - dt.timedelta(days=30)).count()
    if recent >= constants.PIN_LETTERS_PER_30_DAYS:
        raise IdentityError("We have posted you 3 PINs in the last 30 days. Wait for a letter, or contact us")
    pin = "".join(secrets.choice(constants.PIN_ALPHABET) for _ in range(constants.PIN_LENGTH))
    expires = now + dt.timedelta(days=constants.PIN_VALID_DAYS)
    letter = IdentityPin.objects.create(
        user=user, pin_digest=_pin_digest(pin), address_text=", ".join(lines[1:]), posted_at=now, expires_at=expires
    )
    notify.correspondence_letter_send(
        recipient=user,
        address_lines=list(lines),
        subject="Your PIN to confirm your identity",
        text=_pin_letter_text(pin=pin, expires=timezone.localtime(expires).date()),
        inbox_text=(
            f"We posted a PIN to {letter.address_text}. It is printed only in the letter, so that it "
            "proves you receive post there. When it arrives, enter it on the 'Your identity' page."
        ),
        idempotency_key=f"identity_pin:{letter.pk}",
        related_type="myaccount.identitypin",
        related_id=letter.pk,
    )
    _audit(acting_user=acting_user, user=user, action=constants.ACTION_IDENTITY_PIN_POSTED, reason=f"pin {letter.pk}")
    return letter


def identity_pin_confirm(*, user: User, pin: str, now: dt.datetime | None = None) -> IdentityVerification:
    """Check a PIN from the letter; each try counts (5 per letter), right or wrong."""
    now = now or timezone.now()
    with transaction.atomic():
        letter = (
            IdentityPin.objects.select_for_update()
            .filter(user=user, used_at__isnull=True, expires_at__gt=now)
            .order_by("-posted_at")
            .first()
        )
        if letter is None:
            raise IdentityError("There is no PIN waiting. Ask us to post you a new one")
        if letter.attempts >= constants.PIN_MAX_ATTEMPTS:
            raise IdentityError("You entered the wrong PIN too many times. Ask us to post you a new one")
        letter.attempts += 1
        matched = constant_time_compare(letter.pin_digest, _pin_digest(pin))
        if matched:
            letter.used_at = now
        letter.save(update_fields=["attempts", "used_at"])
        if not matched:
            left = constants.PIN_MAX_ATTEMPTS - letter.attempts
            suffix = f" You have {left} more tr{'y' if left == 1 else 'ies'}." if left else ""
            wrong = IdentityError("The PIN is not right. Check the letter and try again." + suffix)
        else:
            verification = IdentityVerification.objects.create(
                user=user,
                method=IdentityMethod.POSTAL_PIN,
                level=IDENTITY_METHOD_CONFIDENCE[IdentityMethod.POSTAL_PIN],
                verified_at=now,
                evidence=letter.address_text,
            )
            _audit(acting_user=user, user=user, action=constants.ACTION_IDENTITY_VERIFIED, reason="postal_pin")
            _link_council_records(acting_user=user, user=user, method=IdentityMethod.POSTAL_PIN)
            return verification
    raise wrong  # after the transaction commits, so the failed try is counted


@transaction.atomic
def identity_verify_by_staff(*, acting_user: User, user: User, evidence: str) -> IdentityVerification:
    """A member of staff checked documents (passport, driving licence, a council tax bill) in person."""
    if not can_find_residents(acting_user):
        raise PermissionDenied("Not allowed to confirm a resident's identity.")
    evidence = evidence.strip()
    if not evidence:
        raise IdentityError("Enter what you checked")
    verification = IdentityVerification.objects.create(
        user=user,
        method=IdentityMethod.STAFF_EVIDENCE,
        level=IDENTITY_METHOD_CONFIDENCE[IdentityMethod.STAFF_EVIDENCE],
        verified_by=acting_user,
        evidence=evidence[:300],
    )
    _audit(acting_user=acting_user, user=user, action=constants.ACTION_IDENTITY_VERIFIED, reason="staff_evidence")
    _link_council_records(acting_user=acting_user, user=user, method=IdentityMethod.STAFF_EVIDENCE)
    return verification


# One Login's vector of trust for medium confidence (GPG 45 profile "P2"); nothing lower unlocks records.
GOVUK_ONE_LOGIN_VOT = "P2"


@transaction.atomic
def identity_verify_by_govuk_one_login(*, user: User, proven: ProvenIdentity) -> IdentityVerification:
    """GOV.UK One Login proved who the account holder is (its identity JWT was verified by accounts' OIDC adapter).

    Recorded once: a later sign-in with the same proof returns the check already on file.
    """
    if proven.vot != GOVUK_ONE_LOGIN_VOT:
        raise IdentityError("GOV.UK One Login could not confirm your identity to the level we need")
    if not (proven.given_name.strip() and proven.family_name.strip()):
        raise IdentityError("GOV.UK One Login did not send the name it checked")
    existing = IdentityVerification.objects.filter(
        user=user, method=IdentityMethod.GOVUK_ONE_LOGIN, revoked_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    verification = IdentityVerification.objects.create(
        user=user,
        method=IdentityMethod.GOVUK_ONE_LOGIN,
        level=IdentityConfidence.MEDIUM,
        evidence=f"GOV.UK One Login identity, vector of trust {proven.vot}",
    )
    _audit(acting_user=user, user=user, action=constants.ACTION_IDENTITY_VERIFIED, reason="govuk_one_login")
    _link_council_records(acting_user=user, user=user, method=IdentityMethod.GOVUK_ONE_LOGIN, proven=proven)
    return verification
