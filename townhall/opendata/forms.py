"""Forms for the publishing back office. They parse input into the workflow's terms; they never save.

Dates are typed as day/month/year, times as 24-hour hours:minutes, both in UK time
(Europe/London, the site's time zone), so "1/4/2027 09:30" means what an officer expects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.text import slugify

from townhall.opendata.models import Dataset, Frequency, Licence, Publisher, Theme
from townhall.opendata.selectors import staff as staff_selectors
from townhall.opendata.services import ResourceFields
from townhall.opendata.services.workflow import REASON_MAX_LENGTH, DatasetDetails

DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%Y-%m-%d"]
TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]
NAME_RULE = "URL name must be 2 to 100 characters: lowercase letters, numbers, hyphens (-) and underscores (_)"
name_format = RegexValidator(r"^[a-z0-9_-]{2,100}$", NAME_RULE)
_NO_AUTOFILL = {"spellcheck": "false", "autocomplete": "off", "autocapitalize": "none"}


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: beside the field it names, else at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = {"tags": "tags", "publish_at": "publish_date"}.get(name, name)
        form.add_error(target if target in form.fields else None, errors)


def _date_field(label: str, help_text: str, *, required: bool = False, what: str = "date") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=required,
        input_formats=DATE_FORMATS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "required": f"Enter the {what}",
            "invalid": f"Enter the {what} as day/month/year, like 31/3/2027",
        },
    )


class DatasetForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=250,
        help_text="What the data is about, in plain words, for example Street trees",
        error_messages={"required": "Enter a title", "max_length": "Title must be 250 characters or fewer"},
    )
    name = forms.CharField(
        label="URL name (optional)",
        max_length=100,
        required=False,
        help_text="The end of the dataset's web address, /data/dataset/street-trees/. Leave it blank to make one "
        "from the title. Harvesters and links rely on it, so change it only if you must.",
        error_messages={"max_length": NAME_RULE},
        widget=forms.TextInput(attrs=_NO_AUTOFILL),
    )
    notes = forms.CharField(
        label="Description",
        help_text="What the data shows, where it comes from, how often it changes and anything people should know "
        "before they use it",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter a description"},
    )
    publisher = forms.ModelChoiceField(
        label="Publisher",
        queryset=Publisher.objects.none(),
        empty_label="Select a publisher",
        help_text="The service or partner the data comes from",
        error_messages={"required": "Select a publisher", "invalid_choice": "Select a publisher"},
    )
    themes = forms.ModelMultipleChoiceField(
        label="Themes (optional)",
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select themes from the list", "invalid_pk_value": "Select themes"},
    )
    tags = forms.CharField(
        label="Tags (optional)",
        required=False,
        max_length=1000,
        help_text="Words people might search for, separated by commas, for example trees, environment",
        error_messages={"max_length": "Tags must be 1000 characters or fewer in total"},
    )
    licence = forms.ModelChoiceField(
        label="Licence",
        queryset=Licence.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        help_text="Use the Open Government Licence unless the data belongs to someone else",
        error_messages={"required": "Select a licence", "invalid_choice": "Select a licence"},
    )
    frequency = forms.ChoiceField(
        label="How often it is updated (optional)",
        choices=[("", "Not stated"), *Frequency.choices],
        required=False,
        error_messages={"invalid_choice": "Select how often it is updated"},
    )
    temporal_start = _date_field(
        "Covers from (optional)", "The first day the data covers, for example 1/4/2025", what="first day covered"
    )
    temporal_end = _date_field(
        "Covers to (optional)", "The last day the data covers, for example 31/3/2026", what="last day covered"
    )
    spatial_label = forms.CharField(
        label="Area covered (optional)",
        max_length=200,
        required=False,
        help_text="For example, the whole borough, or Northfield ward",
        error_messages={"max_length": "Area must be 200 characters or fewer"},
    )
    contact_name = forms.CharField(
        label="Contact team",
        max_length=200,
        help_text="A team or role people can ask about the data, for example Open data team. Not a person's name.",
        error_messages={"required": "Enter a contact team", "max_length": "Team must be 200 characters or fewer"},
    )
    contact_email = forms.EmailField(
        label="Contact email address",
        help_text="A team mailbox, for example opendata@council.example, never a person's own address",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter a contact email address",
            "invalid": "Enter an email address in the correct format, like opendata@council.example",
        },
    )
    landing_page = forms.URLField(
        label="Web page about the data (optional)",
        required=False,
        assume_scheme="https",
        help_text="If the data is also described elsewhere, its address",
        error_messages={"invalid": "Enter a web address in the correct format, like https://www.council.example/trees"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["publisher"].queryset = Publisher.objects.order_by("title")  # type: ignore[attr-defined]
        self.fields["themes"].queryset = staff_selectors.themes()  # type: ignore[attr-defined]
        self.fields["licence"].queryset = staff_selectors.licences()  # type: ignore[attr-defined]

    @classmethod
    def blank(cls, data: Any = None) -> DatasetForm:
        licence = staff_selectors.licences().filter(is_default=True).first()
        return cls(data, initial={"licence": licence.pk if licence else None, "contact_name": "Open data team"})

    @classmethod
    def for_dataset(cls, dataset: Dataset, data: Any = None) -> DatasetForm:
        return cls(
            data,
            initial={
                "title": dataset.title,
                "name": dataset.name,
                "notes": dataset.notes,
                "publisher": dataset.publisher_id,
                "themes": [theme.pk for theme in dataset.themes.all()],
                "tags": ", ".join(tag.name for tag in dataset.tags.all()),
                "licence": dataset.licence_id,
                "frequency": dataset.frequency,
                "temporal_start": dataset.temporal_start.strftime("%d/%m/%Y") if dataset.temporal_start else "",
                "temporal_end": dataset.temporal_end.strftime("%d/%m/%Y") if dataset.temporal_end else "",
                "spatial_label": dataset.spatial_label,
                "contact_name": dataset.contact_name,
                "contact_email": dataset.contact_email,
                "landing_page": dataset.landing_page,
            },
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip().lower()
        if not name:
            return ""  # made from the title in clean(), once the title is known
        name_format(name)
        return name

    def clean_tags(self) -> list[str]:
        return list(dict.fromkeys(tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("name") and cleaned.get("title") and "name" not in self.errors:
            made = slugify(cleaned["title"])[:100].strip("-")
            if len(made) < 2:
                self.add_error("name", "Enter a URL name: the title has too few letters or numbers to make one")
            cleaned["name"] = made
        start, end = cleaned.get("temporal_start"), cleaned.get("temporal_end")
        if start and end and end < start:
            self.add_error("temporal_end", "The last day covered must be the same as or after the first day")
        return cleaned

    def details(self) -> DatasetDetails:
        data = self.cleaned_data
        return DatasetDetails(
            title=data["title"].strip(),
            name=data["name"],
            notes=data["notes"].strip(),
            publisher=data["publisher"],
            licence=data["licence"],
            themes=list(data["themes"]),
            tag_names=data["tags"],
            frequency=data["frequency"],
            temporal_start=data["temporal_start"],
            temporal_end=data["temporal_end"],
            spatial_label=data["spatial_label"].strip(),
            contact_name=data["contact_name"].strip(),
            contact_email=data["contact_email"].strip(),
            landing_page=data["landing_page"],
        )


class LinkForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=250,
        help_text="What people will download, for example Street trees 2026 (CSV)",
        error_messages={"required": "Enter a name", "max_length": "Name must be 250 characters or fewer"},
    )
    url = forms.URLField(
        label="Web address",
        max_length=2000,
        assume_scheme="https",
        help_text="Where the data is, for example https://maps.council.example/trees.csv",
        error_messages={
            "required": "Enter the web address",
            "invalid": "Enter a web address in the correct format, like https://maps.council.example/trees.csv",
            "max_length": "Web address must be 2000 characters or fewer",
        },
        widget=forms.URLInput(attrs=_NO_AUTOFILL),
    )
    format = forms.CharField(
        label="Format (optional)",
        max_length=50,
        required=False,
        help_text="For example CSV, GeoJSON, XLSX or API",
        error_messages={"max_length": "Format must be 50 characters or fewer"},
    )
    description = forms.CharField(
        label="Description (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def resource_fields(self) -> ResourceFields:
        data = self.cleaned_data
        return ResourceFields(
            name=data["name"].strip(),
            url=data["url"],
            format=data["format"].strip(),
            description=data["description"].strip(),
        )


WHEN_NOW = "now"
WHEN_LATER = "later"


class ApproveForm(forms.Form):
    when = forms.ChoiceField(
        label="When should it be published?",
        choices=[(WHEN_NOW, "Now"), (WHEN_LATER, "At a date and time I choose")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select when to publish it", "invalid_choice": "Select when to publish it"},
    )
    publish_date = _date_field(
        "Publication date (if you chose a date and time)", "For example, 1/4/2027", what="publication date"
    )
    publish_time = forms.TimeField(
        label="Publication time (if you chose a date and time)",
        required=False,
        input_formats=TIME_FORMATS,
        help_text="UK time, 24-hour clock, for example 09:30",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid": "Enter the time as hours and minutes on the 24-hour clock, like 09:30"},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("when") != WHEN_LATER:
            return cleaned
        day, time = cleaned.get("publish_date"), cleaned.get("publish_time")
        if day is None and "publish_date" not in self.errors:
            self.add_error("publish_date", "Enter the publication date")
        if time is None and "publish_time" not in self.errors:
            self.add_error("publish_time", "Enter the publication time, like 09:30")
        if day is not None and time is not None:
            moment = timezone.make_aware(dt.datetime.combine(day, time))
            if moment <= timezone.now():
                self.add_error("publish_date", "The publication date and time must be in the future")
            cleaned["publish_at"] = moment
        return cleaned

    def publish_at(self) -> dt.datetime | None:
        return self.cleaned_data.get("publish_at") if self.cleaned_data.get("when") == WHEN_LATER else None


class SendBackForm(forms.Form):
    comment = forms.CharField(
        label="What needs to change?",
        max_length=REASON_MAX_LENGTH,
        help_text="The team sees this on the draft. Say what to fix, not who: it is kept in the audit log.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Say what needs to change before it can be published",
            "max_length": f"Comment must be {REASON_MAX_LENGTH} characters or fewer",
        },
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why is it being withdrawn?",
        max_length=REASON_MAX_LENGTH,
        help_text="Shown to everyone on the dataset's page, for example Replaced by Street trees 2027",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Say why the dataset is being withdrawn",
            "max_length": f"Reason must be {REASON_MAX_LENGTH} characters or fewer",
        },
    )


class ListFilterForm(forms.Form):
    stage = forms.ChoiceField(
        label="Stage",
        required=False,
        choices=[("", "All stages"), *((key, stage.label) for key, stage in staff_selectors.STAGES.items())],
    )
    publisher = forms.ChoiceField(label="Publisher", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["publisher"].choices = [  # type: ignore[attr-defined]
            ("", "All publishers"),
            *((p.name, p.title) for p in staff_selectors.publishers()),
        ]
