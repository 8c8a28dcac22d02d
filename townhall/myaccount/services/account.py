"""Writes a resident makes to their own account: details, address, preferences, consent, feed.

Each runs in one transaction with its audit entry, so the account and the audit log
never disagree. `acting_user` is who did it: the resident, or a member of staff (a
customer service adviser on the phone) on their behalf.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role, is_council_staff
from townhall.audit.services import audit_record
from townhall.myaccount import constants
from townhall.myaccount.models import (
    AddressChange,
    CommunicationPreferences,
    ConsentDecision,
    ConsentPurpose,
    ConsentText,
    DigitalChampion,
    ResidentProfile,
    SuggestionOpened,
    TimelineFeed,
)
from townhall.myaccount.selectors import account as account_selectors
from townhall.myaccount.selectors import preferences as preference_selectors
from townhall.notify.services import correspondence_send
from townhall.places.models import Address, Ward
from townhall.service_requests.models import CategoryGroup
from townhall.service_requests.services import site_url

# Sent after the transaction that records a move commits, with `user_id`, `address_uprn`
# (None for an address typed in), `address_text` and `effective_from`. Other apps connect
# receivers (council tax, waste rounds); they must not fail the resident's change.
address_changed = Signal()


def _audit(*, acting_user: User, user: User, action: str, reason: str = "") -> None:
    audit_record(
        actor=acting_user, action=action, object_type=constants.OBJECT_TYPE_USER, object_id=user.pk, reason=reason
    )


@dataclass(frozen=True)
class PreferencesInput:
    channel: str
    topics: frozenset[str]
    no_marketing: bool
    large_print: bool
    easy_read: bool
    british_sign_language: bool
    preferred_language: str
    personalised_timeline: bool
    interests: tuple[int, ...]


@transaction.atomic
def preferences_update(
    *, acting_user: User, user: User, values: PreferencesInput, reason: str = ""
) -> CommunicationPreferences:
    preferences = preference_selectors.preferences_for(user=user)
    preferences.channel = values.channel
    preferences.service_updates = "service_updates" in values.topics
    preferences.consultations = "consultations" in values.topics
    preferences.ward_news = "ward_news" in values.topics
    preferences.digital_volunteering = "digital_volunteering" in values.topics
    preferences.no_marketing = values.no_marketing
    preferences.large_print = values.large_print
    preferences.easy_read = values.easy_read
    preferences.british_sign_language = values.british_sign_language
    preferences.preferred_language = values.preferred_language.strip()
    preferences.personalised_timeline = values.personalised_timeline
    preferences.updated_at = timezone.now()
    preferences.full_clean(exclude=["user"])
    preferences.save()
    preferences.interests.set(CategoryGroup.objects.filter(pk__in=values.interests))
    _audit(acting_user=acting_user, user=user, action=constants.ACTION_PREFERENCES_CHANGED, reason=reason)
    return preferences


def preferences_view_by_staff(*, acting_user: User, user: User) -> CommunicationPreferences:
    """A resident's preferences for the adviser about to change them, recorded in the audit log."""
    _require_helper(acting_user, user)
    _audit(acting_user=acting_user, user=user, action=constants.ACTION_PREFERENCES_VIEWED_BY_STAFF)
    return preference_selectors.preferences_for(user=user)


@transaction.atomic
def preferences_change_for_resident(
    *, acting_user: User, user: User, values: PreferencesInput, asked_by: str, note: str = ""
) -> CommunicationPreferences:
    """An adviser changes a resident's preferences at their request (a phone call, a visit, a letter).

    Audited with how the resident asked, and the resident is told by email and in their
    inbox, so a change they did not ask for does not go unnoticed.
    """
    _require_helper(acting_user, user)
    asked = constants.AskedBy(asked_by)
    reason = f"Asked by the resident {asked.label.lower()}" + (f": {note.strip()}" if note.strip() else "")
    preferences = preferences_update(acting_user=acting_user, user=user, values=values, reason=reason)
    correspondence_send(
        recipient=user,
        subject="We changed your contact preferences",
        text=(
            f"At your request ({asked.label.lower()}), one of our advisers changed how and about what we "
            "contact you.\n\n"
            f"Check your preferences: {site_url(reverse('myaccount:preferences'))}\n\n"
            "If you did not ask for this, contact us."
        ),
        idempotency_key=f"myaccount:user:{user.pk}:preferences:{preferences.updated_at.timestamp():.6f}",
        related_type="accounts.user",
        related_id=user.pk,
    )
    return preferences


def _require_helper(acting_user: User, user: User) -> None:
    if not has_role(acting_user, *constants.PREFERENCE_HELPER_ROLES):
        raise PermissionDenied("Only customer service advisers and case officers change preferences for residents.")
    if is_council_staff(user):
        raise PermissionDenied("This is for residents' preferences; staff change their own.")


@dataclass(frozen=True)
class DetailsInput:
    given_name: str
    family_name: str
    phone: str
    date_of_birth: dt.date | None


@transaction.atomic
def details_update(*, acting_user: User, user: User, values: DetailsInput) -> ResidentProfile:
    user.given_name = values.given_name.strip()
    user.family_name = values.family_name.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["given_name", "family_name"])
    profile = preference_selectors.profile_for(user=user)
    profile.phone = values.phone.strip()
    profile.date_of_birth = values.date_of_birth
    profile.updated_at = timezone.now()
    profile.full_clean(exclude=["user"])
    profile.save()
    _audit(acting_user=acting_user, user=user, action=constants.ACTION_DETAILS_CHANGED)
    return profile


@transaction.atomic
def address_change(*, acting_user: User, user: User, address: Address, effective_from: dt.date) -> AddressChange:
    """Record a move to a gazetteer address from `effective_from`, and tell subscribers after commit."""
    profile = preference_selectors.profile_for(user=user)
    change = AddressChange(
        user=user,
        address=address,
        address_text=address.single_line,
        previous_address_text=profile.address_text,
        effective_from=effective_from,
    )
    change.full_clean()
    change.save()
    latest = AddressChange.objects.filter(user=user).order_by("-effective_from", "-recorded_at").first()
    if latest is not None and latest.pk == change.pk:
        profile.address = address
        profile.address_text = change.address_text
        profile.address_since = effective_from
        profile.updated_at = timezone.now()
        profile.full_clean(exclude=["user"])
        profile.save()
    _audit(acting_user=acting_user, user=user, action=constants.ACTION_ADDRESS_CHANGED)
    uprn, text = address.uprn, change.address_text
    transaction.on_commit(
        lambda: address_changed.send_robust(
            sender=AddressChange, user_id=user.pk, address_uprn=uprn, address_text=text, effective_from=effective_from
        )
    )
    return change


class ConsentError(ValueError):
    """The decision refers to a text that is not the one in force now."""


@transaction.atomic
def consent_decide(*, acting_user: User, user: User, text: ConsentText, given: bool) -> ConsentDecision:
    """Give or withdraw consent to `text`, which must be the purpose's current version.

    Withdrawal is recorded against the current text too, so the history always says
    which wording the resident was looking at.
    """
    current = preference_selectors.consent_current_text(purpose=text.purpose)
    if current is None or current.pk != text.pk:
        raise ConsentError("This wording has been replaced. Read the new wording and choose again.")
    decision = ConsentDecision.objects.create(user=user, text=text, given=given)
    _audit(
        acting_user=acting_user,
        user=user,
        action=constants.ACTION_CONSENT_GIVEN if given else constants.ACTION_CONSENT_WITHDRAWN,
        reason=f"{text.purpose.slug} v{text.version}",
    )
    return decision


def feed_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def timeline_feed_reset(*, acting_user: User, user: User) -> str:
    """Revoke the resident's feed address (if any) and make a new one; returns the new secret.

    The secret is shown once, in the new address; only its digest is stored.
    """
    TimelineFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(constants.FEED_TOKEN_BYTES)
    TimelineFeed.objects.create(user=user, token_digest=feed_token_digest(token))
    _audit(acting_user=acting_user, user=user, action=constants.ACTION_FEED_RESET)
    return token


@transaction.atomic
def timeline_feed_revoke(*, acting_user: User, user: User) -> int:
    revoked = TimelineFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        _audit(acting_user=acting_user, user=user, action=constants.ACTION_FEED_RESET, reason="revoked")
    return revoked


@transaction.atomic
def digital_champion_sign_up(*, acting_user: User, user: User, ward: Ward, availability: str) -> DigitalChampion:
    champion, _ = DigitalChampion.objects.get_or_create(user=user, defaults={"ward": ward, "availability": ""})
    champion.ward = ward
    champion.availability = availability.strip()
    champion.withdrawn_at = None
    champion.full_clean(exclude=["user"])
    champion.save()
    _audit(acting_user=acting_user, user=user, action=constants.ACTION_VOLUNTEER_CHANGED)
    return champion


@transaction.atomic
def digital_champions_view(*, acting_user: User) -> list[DigitalChampion]:
    """The volunteer list with contact details, for staff who organise training; each viewing is audited."""
    if not has_role(acting_user, StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.TEAM_MANAGER):
        raise PermissionDenied("Not allowed to see the digital champions.")
    champions = account_selectors.digital_champions()
    audit_record(
        actor=acting_user,
        action=constants.ACTION_VOLUNTEERS_VIEWED,
        object_type="myaccount.digitalchampion",
        object_id="list",
        reason=f"{len(champions)} shown",
    )
    return champions


@transaction.atomic
def digital_champion_withdraw(*, acting_user: User, user: User) -> None:
    changed = DigitalChampion.objects.filter(user=user, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
    if changed:
        _audit(acting_user=acting_user, user=user, action=constants.ACTION_VOLUNTEER_CHANGED, reason="withdrawn")


@transaction.atomic
def suggestion_opened(*, user: User, category_group: CategoryGroup) -> None:
    """Remember that the resident opened a suggestion about this group (feeds the ranking)."""
    SuggestionOpened.objects.create(user=user, category_group=category_group)


# The consent purposes every install starts with, each with its first plain-English text
# (slug, name, text). Councils change the wording by publishing a new version, never by
# editing one: residents who agreed to an older version are then asked again.
DEFAULT_CONSENT_PURPOSES = [
    (
        "prefill-forms",
        "Fill in forms for me",
        "We will keep your name, address and contact details in your account and use them to fill in "
        "forms you start on this website, so you do not have to type them again. You can check and "
        "change them on every form. If you withdraw, we stop filling in forms straight away.",
    ),
    (
        "share-with-gp-welfare",
        "Tell my GP practice if we are worried about my welfare",
        "If one of our officers is worried about your health or safety (for example after a visit about "
        "a housing repair), we will share your name, address and what worried us with your GP practice, "
        "so they can check on you. We share nothing else and only when there is a concern. If you "
        "withdraw, we stop straight away; the law may still require us to share in an emergency.",
    ),
    (
        "user-research-panel",
        "Invite me to user research and the Citizens' Panel",
        "We may contact you to take part in research that improves our services, or to join the "
        "Citizens' Panel. Taking part is always your choice and unpaid unless we say otherwise. We use "
        "your contact details, ward and the age band from your date of birth (if you gave it) to invite "
        "a mix of people. If you withdraw, we stop inviting you straight away.",
    ),
]


def consent_defaults_ensure() -> int:
    """Create the default purposes and their first wording where missing; returns how many were added.

    Run after every migrate (and after the test runner flushes the database), so every
    install has them without a data migration; existing wordings are never touched.
    """
    added = 0
    for order, (slug, name, text) in enumerate(DEFAULT_CONSENT_PURPOSES):
        purpose, created = ConsentPurpose.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
        if created or not purpose.texts.exists():
            ConsentText.objects.get_or_create(purpose=purpose, version=1, defaults={"text": text})
            added += 1
    return added
