"""The personal data registry's guard rails (after yournextrepresentative's test_all_fields_have_merge_function).

A model that points at the user model holds someone's personal data: it must be covered
by a provider, or exempted with a reason, before it can be merged. Otherwise a subject
access download would silently miss it and an erasure would silently leave it.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction, ErasureItem


def user_pointing_fields() -> list[str]:
    """Every foreign key, one-to-one and many-to-many field, in every installed model, that points at the user model."""
    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete) or field.related_model is not user_model:
                continue
            if isinstance(field, models.ForeignKey | models.ManyToManyField):
                found.append(f"{model._meta.app_label}.{model._meta.object_name}.{field.name}")
    return sorted(found)


def test_the_enumeration_finds_the_fields_we_know() -> None:
    fields = user_pointing_fields()
    for known in (
        "myaccount.DataExport.user",
        "notify.Correspondence.recipient",
        "service_requests.ServiceRequest.reporter",
        "account.EmailAddress.user",
        "accounts.Team.members",
    ):
        assert known in fields


def test_every_field_pointing_at_a_user_is_covered_by_a_provider_or_exempted() -> None:
    covered = personal_data.covered_fields()
    missing = [field for field in user_pointing_fields() if field not in covered]
    assert not missing, (
        "These fields point at a user but no personal data provider covers them. Add them to a provider's "
        "`covers` in the app's personal_data.py (with collect and erase), or exempt them with a reason:\n"
        + "\n".join(missing)
    )


def test_the_registry_names_no_field_that_does_not_exist() -> None:
    existing = set(user_pointing_fields())
    optional = {"usersessions.UserSession.user"}  # covered only while allauth.usersessions is installed
    stale = sorted(set(personal_data.covered_fields()) - existing - optional)
    assert not stale, f"covered or exempted fields that no longer exist: {stale}"


def test_every_app_with_personal_data_registers_providers() -> None:
    labels = {provider.label for provider in personal_data.providers()}
    assert {
        "Your account",
        "Messages we sent you",
        "Your reports",
        "Reports you follow",
        "Area alerts",
        "Blocks on reporting",
        "Audit log",
        "Your details",
        "Your preferences",
        "Your consent decisions",
        "Your timeline",
        "Digital champion",
        "Your data requests",
    } <= labels
    # The account is anonymised last: other sources find what they hold through its email address.
    assert personal_data.providers()[-1].label == "Your account"


def test_exemptions_and_withheld_items_give_reasons() -> None:
    for field, covered_by in personal_data.covered_fields().items():
        if covered_by.startswith("exempt:"):
            assert len(covered_by.removeprefix("exempt:").strip()) > 20, field
    for item in personal_data.withheld_all():
        assert ": " in item, item
        assert len(item) > 20, item


def test_a_retained_item_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="without a reason"):
        ErasureItem("Your reports", "Reports you made", ErasureAction.RETAINED, 1)
    kept = ErasureItem("Your reports", "Reports you made", ErasureAction.RETAINED, 1, "Limitation Act 1980")
    assert ErasureItem.from_dict(kept.as_dict()) == kept


def test_rows_are_json_safe_and_keep_every_column(db: None) -> None:
    user_model = get_user_model()
    user = user_model.objects.create_user(email="rows@example.org", password="irrelevant-password-123")
    (row,) = personal_data.model_rows([user], exclude=["password"])
    assert set(row) == {field.attname for field in user_model._meta.concrete_fields} - {"password"}
    assert isinstance(row["date_joined"], str)
    assert row["email"] == "rows@example.org"
