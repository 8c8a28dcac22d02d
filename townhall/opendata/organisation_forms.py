"""Forms for the steward pages on publishers and themes: they parse input; the services validate again and save."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

from townhall.opendata.forms import NAME_RULE, name_format
from townhall.opendata.models import Publisher, PublisherType, Theme

_NO_AUTOFILL = {"spellcheck": "false", "autocomplete": "off", "autocapitalize": "none"}
NAME_HELP = (
    "Its name in web addresses and the API: 2 to 100 lowercase letters, numbers, hyphens (-) and underscores (_). "
    "Harvesters and links rely on it, so change it only if you must."
)
_URL_INVALID = "Enter a web address in the correct format, like https://www.council.example/highways"


def _url_field(label: str, help_text: str) -> forms.URLField:
    return forms.URLField(
        label=label,
        required=False,
        assume_scheme="https",
        max_length=200,
        help_text=help_text,
        error_messages={"invalid": _URL_INVALID, "max_length": "Web address must be 200 characters or fewer"},
        widget=forms.URLInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )


class OrganisationForm(forms.Form):
    """The fields publishers and themes share: title, CKAN name, description."""

    noun = ""
    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={"required": "Enter a title", "max_length": "Title must be 200 characters or fewer"},
    )
    name = forms.CharField(
        label="URL name",
        max_length=100,
        error_messages={"required": "Enter a URL name", "max_length": NAME_RULE},
        widget=forms.TextInput(attrs=_NO_AUTOFILL),
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    service_fields: ClassVar[tuple[str, ...]] = ()

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip().lower()
        name_format(name)
        return name

    def values(self) -> dict[str, Any]:
        """The cleaned input as the services' keyword arguments."""
        return {name: self.cleaned_data[name] for name in self.service_fields}


class PublisherForm(OrganisationForm):
    noun = "publisher"
    homepage = _url_field("Website (optional)", "For example https://www.council.example/highways")
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        help_text="A team mailbox, for example roads@council.example, never a person's own address",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid": "Enter an email address in the correct format, like roads@council.example"},
    )
    publisher_type = forms.ChoiceField(
        label="Type of organisation",
        choices=PublisherType.choices,
        initial=PublisherType.LOCAL_AUTHORITY,
        error_messages={"required": "Select a type of organisation", "invalid_choice": "Select a type of organisation"},
    )
    image_url = _url_field("Logo address (optional)", "The web address of a logo image")
    service_fields = ("title", "name", "description", "homepage", "email", "publisher_type", "image_url")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].help_text = "The directorate, service or partner, for example Highways and Transport"
        self.fields["name"].help_text = f"For example highways-and-transport. {NAME_HELP}"
        self.fields["description"].help_text = "What the publisher does and what data it publishes"

    @classmethod
    def for_publisher(cls, publisher: Publisher, data: Any = None) -> PublisherForm:
        return cls(data, initial={name: getattr(publisher, name) for name in cls.service_fields})


class ThemeForm(OrganisationForm):
    noun = "theme"
    iri = _url_field(
        "EU data theme (optional)",
        "The matching theme's address, for example http://publications.europa.eu/resource/authority/data-theme/TRAN",
    )
    image_url = _url_field("Image address (optional)", "The web address of an image for the theme")
    service_fields = ("title", "name", "description", "iri", "image_url")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].help_text = "A subject people look for, for example Transport"
        self.fields["name"].help_text = f"For example transport. {NAME_HELP}"
        self.fields["description"].help_text = "What kind of data belongs under this theme"

    @classmethod
    def for_theme(cls, theme: Theme, data: Any = None) -> ThemeForm:
        return cls(data, initial={name: getattr(theme, name) for name in cls.service_fields})
