"""Forms for the steward's upload pages: a new file (with a change note) and a resource's Table Schema."""

from __future__ import annotations

import copy
import re
from typing import Any

from django import forms
from frictionless import Field

from townhall.opendata.services.staged import background_upload_max_bytes, background_validation_bytes
from townhall.opendata.services.versions import upload_max_bytes

TYPE_CHOICES = [
    ("string", "Text"),
    ("integer", "Whole number"),
    ("number", "Number"),
    ("boolean", "True or false"),
    ("date", "Date"),
    ("datetime", "Date and time"),
    ("time", "Time"),
    ("year", "Year"),
    ("yearmonth", "Year and month"),
    ("duration", "Duration"),
    ("geopoint", "Point (latitude, longitude)"),
    ("geojson", "GeoJSON geometry"),
    ("object", "JSON object"),
    ("array", "JSON array"),
    ("any", "Anything"),
]
# Types whose values have an order, so a minimum and maximum make sense.
ORDERED_TYPES = {"integer", "number", "date", "datetime", "time", "year", "yearmonth"}
FIELD_PARTS = ("title", "description", "type", "required", "unique", "minimum", "maximum", "pattern")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="File",
        error_messages={"required": "Choose a file to upload"},
    )
    change_note = forms.CharField(
        label="What changed (optional)",
        required=False,
        max_length=2000,
        help_text="Shown with the version on the dataset's page, for example “Added April's figures”.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = upload_max_bytes() // (1024 * 1024)
        self.fields["file"].help_text = (
            f"CSV and Excel (XLSX) files are checked against the file's schema before anything is saved. "
            f"Other files (PDF, GeoJSON, ZIP and so on) are kept as they are. Up to {limit} MB."
        )


class VersionUploadForm(UploadForm):
    """A new version of an existing file: large files are checked in the background, so the limit is higher."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        background = background_validation_bytes() // (1024 * 1024)
        limit = background_upload_max_bytes() // (1024 * 1024)
        self.fields["file"].help_text = (
            f"CSV and Excel (XLSX) files are checked against the file's schema before anything is saved. "
            f"Other files (PDF, GeoJSON, ZIP and so on) are kept as they are. Up to {limit} MB; files over "
            f"{background} MB are checked in the background and you can follow the check on its own page."
        )


class NewResourceForm(VersionUploadForm):
    """A new file in a dataset: like a new version, large files are checked in the background."""

    name = forms.CharField(
        label="Name of the file",
        max_length=250,
        help_text="What people will see in the list of files, for example “Spending over £500, 2026”.",
        error_messages={"required": "Enter a name for the file"},
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=5000,
        help_text="What the file holds and where its figures come from.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    field_order = ("name", "description", "file", "change_note")


class SchemaForm(forms.Form):
    """One group of inputs per column (title, description, type, constraints), then the primary key."""

    def __init__(self, *args: Any, schema: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = schema
        self.names = [str(field["name"]) for field in schema["fields"]]
        for index, field in enumerate(schema["fields"]):
            constraints = field.get("constraints") or {}
            prefix = f"f{index}_"
            self.fields[prefix + "title"] = forms.CharField(
                label="Title", required=False, max_length=200, initial=field.get("title", "")
            )
            self.fields[prefix + "description"] = forms.CharField(
                label="Description",
                required=False,
                max_length=2000,
                initial=field.get("description", ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[prefix + "type"] = forms.ChoiceField(
                label="Type", choices=TYPE_CHOICES, initial=field.get("type", "string")
            )
            self.fields[prefix + "required"] = forms.BooleanField(
                label="Every row must have a value", required=False, initial=bool(constraints.get("required"))
            )
            self.fields[prefix + "unique"] = forms.BooleanField(
                label="No two rows may have the same value", required=False, initial=bool(constraints.get("unique"))
            )
            self.fields[prefix + "minimum"] = forms.CharField(
                label="Minimum (optional)",
                required=False,
                max_length=100,
                initial=_text(constraints.get("minimum")),
                help_text="For numbers and dates only.",
            )
            self.fields[prefix + "maximum"] = forms.CharField(
                label="Maximum (optional)", required=False, max_length=100, initial=_text(constraints.get("maximum"))
            )
            self.fields[prefix + "pattern"] = forms.CharField(
                label="Pattern (optional)",
                required=False,
                max_length=500,
                initial=constraints.get("pattern", ""),
                help_text="For text only: a regular expression every value must match, for example E05[0-9]{6}.",
            )
        key = schema.get("primaryKey") or []
        self.fields["primary_key"] = forms.MultipleChoiceField(
            label="Primary key (optional)",
            required=False,
            choices=[(name, name) for name in self.names],
            initial=[key] if isinstance(key, str) else list(key),
            widget=forms.CheckboxSelectMultiple,
            help_text="The column or columns that identify a row. Versions are then compared row by row "
            "(added, removed, changed), and no two rows may share a key.",
        )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """(column name, its bound fields), for the template's fieldsets."""
        return [(name, [self[f"f{i}_{part}"] for part in FIELD_PARTS]) for i, name in enumerate(self.names)]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for index, name in enumerate(self.names):
            prefix = f"f{index}_"
            field_type = cleaned.get(prefix + "type")
            if field_type is None:
                continue
            for bound in ("minimum", "maximum"):
                text = (cleaned.get(prefix + bound) or "").strip()
                if not text:
                    continue
                if field_type not in ORDERED_TYPES:
                    self.add_error(prefix + bound, f"{name}: a {bound} only applies to numbers and dates")
                    continue
                value, notes = Field.from_descriptor({"name": name, "type": field_type}).read_cell(text)
                if notes or value is None:
                    label = dict(TYPE_CHOICES)[field_type].lower()
                    self.add_error(prefix + bound, f"{name}: the {bound} must be a {label}, like the column")
                else:
                    cleaned[prefix + bound] = value if field_type in ("integer", "number") else text
            pattern = (cleaned.get(prefix + "pattern") or "").strip()
            if pattern:
                if field_type != "string":
                    self.add_error(prefix + "pattern", f"{name}: a pattern only applies to text")
                else:
                    try:
                        re.compile(pattern)
                    except re.error as error:
                        self.add_error(prefix + "pattern", f"{name}: the pattern is not a valid expression ({error})")
        return cleaned

    def table_schema(self) -> dict[str, Any]:
        """The edited schema; anything the form does not show (formats, missing values…) is kept."""
        schema = copy.deepcopy(self.schema)
        for index, field in enumerate(schema["fields"]):
            prefix = f"f{index}_"
            for key in ("title", "description"):
                value = self.cleaned_data[prefix + key].strip()
                if value:
                    field[key] = value
                else:
                    field.pop(key, None)
            if field.get("type") != self.cleaned_data[prefix + "type"]:
                field.pop("format", None)  # a format belongs to its type
            field["type"] = self.cleaned_data[prefix + "type"]
            constraints = {
                key: value
                for key, value in (field.get("constraints") or {}).items()
                if key not in ("required", "unique", "minimum", "maximum", "pattern")
            }
            for key in ("required", "unique"):
                if self.cleaned_data[prefix + key]:
                    constraints[key] = True
            for key in ("minimum", "maximum", "pattern"):
                value = self.cleaned_data[prefix + key]
                if value not in ("", None):
                    constraints[key] = value.strip() if isinstance(value, str) else value
            if constraints:
                field["constraints"] = constraints
            else:
                field.pop("constraints", None)
        primary_key = [name for name in self.names if name in self.cleaned_data["primary_key"]]
        if primary_key:
            schema["primaryKey"] = primary_key
        else:
            schema.pop("primaryKey", None)
        return schema


def _text(value: Any) -> str:
    return "" if value is None else str(value)
