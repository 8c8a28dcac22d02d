"""Consent: versioned wording, the exact version in the history, withdrawal effective at once (issue 5, check 3)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape

from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.myaccount import selectors, services
from townhall.myaccount.constants import CONSENT_GP_WELFARE, CONSENT_RESEARCH
from townhall.myaccount.models import ConsentPurpose, ConsentText

pytestmark = pytest.mark.django_db


def current_text(slug: str) -> ConsentText:
    text = selectors.consent_current_text(purpose=ConsentPurpose.objects.get(slug=slug))
    assert text is not None
    return text


def test_every_install_has_the_three_purposes_with_a_first_wording() -> None:
    assert {purpose.slug for purpose in selectors.consent_purposes()} == {
        "prefill-forms",
        CONSENT_GP_WELFARE,
        CONSENT_RESEARCH,
    }
    assert all(current_text(purpose.slug).version == 1 for purpose in selectors.consent_purposes())


def test_withdrawing_blocks_the_dependent_sharing_at_once(client: Client, resident: User) -> None:
    client.force_login(resident)
    text = current_text(CONSENT_GP_WELFARE)
    assert not selectors.has_consent(resident, CONSENT_GP_WELFARE)

    response = client.post("/account/consent/", {"text_id": text.pk, "decision": "give"})
    assert response.status_code == 302
    assert selectors.has_consent(resident, CONSENT_GP_WELFARE)

    client.post("/account/consent/", {"text_id": text.pk, "decision": "withdraw"})
    assert not selectors.has_consent(resident, CONSENT_GP_WELFARE)
    actions = list(AuditEntry.objects.filter(object_id=str(resident.pk)).values_list("action", "reason"))
    assert ("myaccount.consent.given", f"{CONSENT_GP_WELFARE} v1") in actions
    assert ("myaccount.consent.withdrawn", f"{CONSENT_GP_WELFARE} v1") in actions


def test_a_new_wording_needs_fresh_consent_and_history_keeps_the_exact_version(client: Client, resident: User) -> None:
    version_1 = current_text(CONSENT_RESEARCH)
    services.consent_decide(acting_user=resident, user=resident, text=version_1, given=True)
    version_2 = ConsentText.objects.create(
        purpose=version_1.purpose, version=2, text="We may also invite you to paid focus groups."
    )

    assert not selectors.has_consent(resident, CONSENT_RESEARCH), "agreeing to v1 is not agreeing to v2"
    with pytest.raises(services.ConsentError):
        services.consent_decide(acting_user=resident, user=resident, text=version_1, given=True)

    client.force_login(resident)
    page = client.get("/account/consent/").content.decode()
    assert "We changed this wording since you agreed" in page
    assert "paid focus groups" in page

    services.consent_decide(acting_user=resident, user=resident, text=version_2, given=True)
    assert selectors.has_consent(resident, CONSENT_RESEARCH)
    history = [(decision.text.version, decision.given) for decision in selectors.consent_history(user=resident)]
    assert history == [(2, True), (1, True)]
    page = client.get("/account/consent/").content.decode()
    assert escape(version_1.text) in page
    assert escape(version_2.text) in page


def test_consent_of_one_resident_says_nothing_about_another(resident: User, other_resident: User) -> None:
    services.consent_decide(acting_user=resident, user=resident, text=current_text(CONSENT_GP_WELFARE), given=True)
    assert not selectors.has_consent(other_resident, CONSENT_GP_WELFARE)


def test_a_closed_account_has_no_consent(resident: User) -> None:
    services.consent_decide(acting_user=resident, user=resident, text=current_text(CONSENT_GP_WELFARE), given=True)
    resident.is_active = False
    resident.save(update_fields=["is_active"])
    assert not selectors.has_consent(resident, CONSENT_GP_WELFARE)


def test_an_unknown_text_or_missing_choice_loses_nothing(client: Client, resident: User) -> None:
    client.force_login(resident)
    response = client.post("/account/consent/", {"text_id": current_text(CONSENT_GP_WELFARE).pk})
    assert response.status_code == 200
    assert "Choose yes or no" in response.content.decode()
    assert client.post("/account/consent/", {"text_id": "abc", "decision": "give"}).status_code == 200
    response = client.post("/account/consent/", {"text_id": "999999", "decision": "give"})
    assert response.status_code == 200
    assert not selectors.consent_history(user=resident)
