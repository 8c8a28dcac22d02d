"""Reads of a resident's choices: how to contact them, what they agreed to, their details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from townhall.accounts.models import User
from townhall.myaccount.constants import ContactChannel
from townhall.myaccount.models import (
    AddressChange,
    CommunicationPreferences,
    ConsentDecision,
    ConsentPurpose,
    ConsentText,
    ResidentProfile,
)
from townhall.notify.constants import MARKETING_TOPICS, Topic


def preferences_for(*, user: User) -> CommunicationPreferences:
    """The resident's preferences, or the defaults (unsaved) if they never changed them."""
    found = CommunicationPreferences.objects.filter(user=user).first()
    return found if found is not None else CommunicationPreferences(user=user)


def profile_for(*, user: User) -> ResidentProfile:
    found = ResidentProfile.objects.select_related("address", "address__ward").filter(user=user).first()
    return found if found is not None else ResidentProfile(user=user)


@dataclass(frozen=True)
class ContactRoute:
    channel: str  # a notify Channel value: "email", "sms" or "letter"
    destination: str  # email address or phone number; blank for a letter
    address_lines: tuple[str, ...] = ()  # a letter's: the name, the address, the postcode


def postal_address_lines(*, user: User) -> tuple[str, ...]:
    """How a letter to this resident is addressed, or () without a gazetteer address."""
    address = profile_for(user=user).address
    if address is None:
        return ()
    return (user.get_full_name() or "The resident", *address.lines, address.postcode)


def topic_allowed(*, preferences: CommunicationPreferences, topic: Topic | str) -> bool:
    """Whether this resident agreed to hear about `topic` at all (the channel is a separate question)."""
    if preferences.channel == ContactChannel.NONE:
        return False
    if preferences.no_marketing and topic in MARKETING_TOPICS:
        return False
    return bool(getattr(preferences, Topic(topic).value))


def contact_route(*, user: User, topic: Topic | str | None) -> ContactRoute | None:
    """How to send `user` a message about `topic` (None: essential), or None if they opted out.

    Essential messages go by email, the address the account is built on, whatever the
    preferred channel; optional ones go by the preferred channel or not at all. A text
    message needs a phone number in the profile and a letter an address from the
    gazetteer; without them they fall back to email.
    """
    preferences = preferences_for(user=user)
    if topic is None:
        return ContactRoute("email", user.email)
    if not user.is_active or not topic_allowed(preferences=preferences, topic=topic):
        return None
    if preferences.channel == ContactChannel.SMS:
        phone = profile_for(user=user).phone
        if phone:
            return ContactRoute("sms", phone)
    if preferences.channel == ContactChannel.LETTER:
        lines = postal_address_lines(user=user)
        if lines:
            return ContactRoute("letter", "", lines)
    return ContactRoute("email", user.email)


def consent_purposes() -> list[ConsentPurpose]:
    return list(ConsentPurpose.objects.filter(is_active=True))


def consent_current_text(*, purpose: ConsentPurpose) -> ConsentText | None:
    return purpose.texts.order_by("-version").first()


def consent_latest_decision(*, user: User, purpose: ConsentPurpose) -> ConsentDecision | None:
    return (
        ConsentDecision.objects.select_related("text")
        .filter(user=user, text__purpose=purpose)
        .order_by("-decided_at", "-id")
        .first()
    )


def has_consent(user: User, purpose: str) -> bool:
    """The single place any app asks before optional sharing: True only if the account holder's
    latest decision on `purpose` (a slug) gave consent to the text in force now.

    Withdrawal takes effect at once (the next call says False), and a newer text needs
    fresh consent, so agreeing to version 1 is not agreeing to version 2.
    """
    if not user.is_active:
        return False
    found = ConsentPurpose.objects.filter(slug=purpose, is_active=True).first()
    if found is None:
        return False
    current = consent_current_text(purpose=found)
    latest = consent_latest_decision(user=user, purpose=found)
    return current is not None and latest is not None and latest.given and latest.text_id == current.pk


def consent_history(*, user: User) -> list[ConsentDecision]:
    return list(ConsentDecision.objects.select_related("text", "text__purpose").filter(user=user))


def consent_text_get(*, text_id: int) -> ConsentText | None:
    return ConsentText.objects.select_related("purpose").filter(pk=text_id).first()


@dataclass(frozen=True)
class ConsentRow:
    """One purpose on the consent page: the wording in force, and where the resident stands."""

    purpose: ConsentPurpose
    text: ConsentText
    given: bool
    # The resident agreed to an older wording: they must read the new one and agree again.
    needs_fresh_consent: bool
    form: Any = None  # a bound form with errors, after a failed submission of this row


def consent_rows(*, user: User, failed: tuple[int, Any] | None = None) -> list[ConsentRow]:
    rows = []
    for purpose in consent_purposes():
        text = consent_current_text(purpose=purpose)
        if text is None:
            continue
        latest = consent_latest_decision(user=user, purpose=purpose)
        given = latest is not None and latest.given and latest.text_id == text.pk
        stale = latest is not None and latest.given and latest.text_id != text.pk
        form = failed[1] if failed is not None and failed[0] == text.pk else None
        rows.append(ConsentRow(purpose=purpose, text=text, given=given, needs_fresh_consent=stale, form=form))
    return rows


def address_history(*, user: User) -> list[AddressChange]:
    return list(AddressChange.objects.filter(user=user))
