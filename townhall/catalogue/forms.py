"""Forms for the register's pages: the list's filters, an asset entry, relationships, agreements and standards.

They parse and check input; the services validate again (model rules such as "personal
data needs a lawful basis") and their errors are shown beside the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from townhall.catalogue import selectors
from townhall.catalogue.constants import (
    AssetKind,
    Classification,
    DisposalAction,
    LawfulBasis,
    RelationshipKind,
    RuleKind,
    SharingDirection,
    SpecialCategoryCondition,
)
from townhall.catalogue.models import DataStandard, InformationAsset, SharingAgreement
from townhall.catalogue.services import AgreementFields, AssetFields

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError beside the field it names, else at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _date(label: str, help_text: str, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=required,
        input_formats=DATE_FORMATS,
        error_messages={
            "invalid": f"{label} must be a real date, for example 2027-03-31",
            "required": f"Enter the {label.lower()}",
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _text(label: str, max_length: int, *, help_text: str = "", required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        error_messages={
            "required": f"Enter the {label.lower()}",
            "max_length": f"{label} must be {max_length} characters or fewer",
        },
    )


def _choice(label: str, choices: Any, *, blank: str = "", help_text: str = "") -> forms.ChoiceField:
    options = [("", blank), *choices] if blank else list(choices)
    return forms.ChoiceField(
        label=label,
        choices=options,
        required=not blank,
        help_text=help_text,
        error_messages={"required": f"Choose the {label.lower()}", "invalid_choice": f"Choose a {label.lower()}"},
    )


class AssetFilterForm(forms.Form):
    """The register list's filters (GET); anything invalid is ignored and shown as an error."""

    q = forms.CharField(label="Search", required=False, max_length=100, help_text="Name, purpose, owner or format")
    kind = _choice("Type", AssetKind.choices, blank="Systems and datasets")
    personal = forms.ChoiceField(
        label="Personal data",
        required=False,
        choices=[("", "Any"), ("yes", "Holds personal data"), ("no", "No personal data")],
    )
    owner = forms.TypedChoiceField(label="Owning team", required=False, coerce=int, empty_value=None)
    classification = _choice("Classification", Classification.choices, blank="Any classification")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner: Any = self.fields["owner"]
        owner.choices = [("", "Any team")] + [(team.pk, team.name) for team in selectors.owner_teams()]

    def filters(self) -> selectors.AssetFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        personal = data.get("personal", "")
        return selectors.AssetFilters(
            kind=data.get("kind", ""),
            personal=None if not personal else personal == "yes",
            owner_team_id=data.get("owner"),
            classification=data.get("classification", ""),
            query=(data.get("q") or "").strip(),
        )


class AssetForm(forms.Form):
    name = _text("Name", 150, help_text="For example, Council tax system")
    kind = forms.ChoiceField(
        label="Type",
        choices=AssetKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether it is a system or a dataset"},
    )
    purpose = forms.CharField(
        label="Purpose",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the council holds it for, in plain English",
        error_messages={"required": "Enter the purpose"},
    )
    owner_role = _text(
        "Information asset owner", 150, help_text="The senior role accountable for it, like Head of Housing"
    )
    owner_team = forms.ModelChoiceField(label="Owning team", queryset=selectors.teams(), required=False)
    steward_team = forms.ModelChoiceField(label="Steward team", queryset=selectors.teams(), required=False)
    steward = forms.ModelChoiceField(
        label="Steward contact",
        queryset=selectors.staff_members(),
        required=False,
        help_text="A member of staff to ask about it day to day",
    )
    holds_personal_data = forms.BooleanField(label="It holds personal data", required=False)
    holds_special_category_data = forms.BooleanField(
        label="It holds special category data (health, ethnicity, religion, sexuality and the like)", required=False
    )
    lawful_basis = _choice("Lawful basis (UK GDPR Article 6)", LawfulBasis.choices, blank="None (no personal data)")
    special_category_condition = _choice(
        "Special category condition (UK GDPR Article 9)", SpecialCategoryCondition.choices, blank="None"
    )
    legislation = _text(
        "Legislation", 250, required=False, help_text="The Act or duty it rests on, like Housing Act 1996 Part 6"
    )
    retention_period_months = forms.IntegerField(
        label="Retention period in months",
        required=False,
        min_value=1,
        max_value=1200,
        help_text="Leave blank when it is kept permanently",
        error_messages={
            "invalid": "Retention period must be a whole number of months, like 72",
            "min_value": "Retention period must be at least 1 month",
            "max_value": "Retention period must be 1,200 months or fewer",
        },
    )
    retention_trigger = _text(
        "Retention starts", 200, required=False, help_text="For example, after the account is closed"
    )
    disposal_action = _choice("Disposal action", DisposalAction.choices)
    next_review_on = _date("Next review", "For example, 2027-03-31")
    location = _text("Location", 200, help_text="The system, hosting or file store. Not published.")
    format = _text("Format", 100, help_text="For example, Oracle database, CSV or paper files")
    classification = _choice("Security classification", Classification.choices)
    published = forms.BooleanField(
        label="Include in the register published as open data",
        required=False,
        help_text="OFFICIAL-SENSITIVE and higher entries are never published",
    )

    def __init__(self, *args: Any, asset: InformationAsset | None = None, **kwargs: Any) -> None:
        if asset is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(asset, name) for name in self.base_fields}
        elif asset is None and "initial" not in kwargs:
            kwargs["initial"] = {"published": True, "classification": Classification.OFFICIAL}
        super().__init__(*args, **kwargs)

    def asset_fields(self) -> AssetFields:
        return AssetFields(**self.cleaned_data)


class RelationshipForm(forms.Form):
    kind = forms.ChoiceField(
        label="Relationship",
        choices=RelationshipKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the assets are related"},
    )
    target = forms.TypedChoiceField(
        label="Other asset",
        coerce=int,
        error_messages={"required": "Choose the other asset", "invalid_choice": "Choose an asset from the list"},
    )
    description = _text("Description", 250, required=False, help_text="Optional: what flows, and how often")

    def __init__(self, *args: Any, source: InformationAsset, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target: Any = self.fields["target"]
        target.choices = [("", "Choose an asset"), *selectors.asset_choices(exclude_id=source.pk)]


class ReviewForm(forms.Form):
    next_review_on = _date("Next review", "When the entry should next be reviewed, like 2027-03-31", required=True)


class AgreementForm(forms.Form):
    title = _text("Title", 200)
    partner = _text("Partner organisation", 200, help_text="For example, Department for Work and Pensions")
    purpose = forms.CharField(
        label="Purpose", widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": "Enter the purpose"}
    )
    direction = forms.ChoiceField(
        label="Direction",
        choices=SharingDirection.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which way data is shared"},
    )
    lawful_basis = _choice("Lawful basis (UK GDPR Article 6)", LawfulBasis.choices)
    legislation = _text("Legislation", 250, required=False, help_text="For example, Digital Economy Act 2017")
    starts_on = _date("Start date", "For example, 2025-04-01", required=True)
    review_on = _date("Review date", "For example, 2027-04-01")
    ends_on = _date("End date", "Leave blank if it has no end date")
    assets = forms.ModelMultipleChoiceField(
        label="Assets it covers",
        queryset=InformationAsset.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, agreement: SharingAgreement | None = None, **kwargs: Any) -> None:
        if agreement is not None and "initial" not in kwargs:
            initial = {name: getattr(agreement, name) for name in self.base_fields if name != "assets"}
            initial["assets"] = list(agreement.assets.values_list("pk", flat=True))
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)

    def agreement_fields(self) -> AgreementFields:
        data = dict(self.cleaned_data)
        data["assets"] = list(data["assets"])
        return AgreementFields(**data)


class StandardForm(forms.Form):
    name = _text("Name", 120, help_text="For example, UK postcode")
    kind = _choice("What it checks", RuleKind.choices)
    parameter = _text(
        "Parameter",
        500,
        required=False,
        help_text="Only for a pattern (a regular expression), a maximum length, or allowed values separated by commas",
    )
    example = _text("Example", 200, required=False, help_text="A value that meets the standard")
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, standard: DataStandard | None = None, **kwargs: Any) -> None:
        if standard is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(standard, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)


class FieldRuleForm(forms.Form):
    field_name = forms.RegexField(
        label="Field name",
        max_length=100,
        regex=r"^[A-Za-z][A-Za-z0-9_]*$",
        help_text="As the source system names it, like postcode or ni_number",
        error_messages={
            "required": "Enter the field name",
            "invalid": "Field name must start with a letter and use only letters, numbers and underscores",
            "max_length": "Field name must be 100 characters or fewer",
        },
    )
    standard = forms.ModelChoiceField(
        label="Standard",
        queryset=DataStandard.objects.order_by("name"),
        empty_label="Choose a standard",
        error_messages={"required": "Choose the standard", "invalid_choice": "Choose a standard from the list"},
    )
    required = forms.BooleanField(label="Every record must have a value", required=False)


class ValueCheckForm(forms.Form):
    """Try a value against a standard (GET), to see what data quality checks would say."""

    value = forms.CharField(
        label="Value to check", max_length=200, error_messages={"required": "Enter a value to check"}
    )
