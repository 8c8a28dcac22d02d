"""Render Django forms in GOV.UK Frontend markup.

Used by web/includes/form_field.html and web/includes/error_summary.html (see the comments at the
top of those templates for usage). The ids follow Django's own (`<id>_helptext`, `<id>_error`), so
the aria-describedby Django adds by default points at the hint and error this markup renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.template.context import Context
from django.utils.safestring import SafeString

register = template.Library()

WIDGET_CLASSES = {
    "input": "govuk-input",
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "file": "govuk-file-upload",
}


def field_kind(bound_field: BoundField) -> str:
    """Which GOV.UK component renders this field."""
    widget = bound_field.field.widget
    if widget.is_hidden:
        return "hidden"
    # CheckboxSelectMultiple is a RadioSelect subclass, so test it first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


def field_anchor(bound_field: BoundField) -> str:
    """The id an error summary link should jump to: the input, or the first option of a group."""
    if field_kind(bound_field) in {"radios", "checkboxes"}:
        options = list(bound_field.subwidgets)
        return str(options[0].id_for_label) if options else bound_field.auto_id or ""
    return bound_field.id_for_label or ""


@dataclass(frozen=True)
class Option:
    id: str
    name: str
    value: str
    label: str
    checked: bool
    disabled: bool


@dataclass(frozen=True)
class FieldParts:
    kind: str
    id: str
    hint_id: str
    error_id: str
    described_by: str
    errors: list[str]
    widget: SafeString | str = ""
    options: list[Option] = field(default_factory=list)


def _options(bound_field: BoundField) -> list[Option]:
    options = []
    for sub in bound_field.subwidgets:
        data = sub.data
        options.append(
            Option(
                id=str(sub.id_for_label),
                name=str(data["name"]),
                value="" if data["value"] is None else str(data["value"]),
                label=str(data["label"]),
                checked=bool(data["selected"]),
                disabled=bool(data["attrs"].get("disabled")),
            )
        )
    return options


@register.simple_tag(takes_context=True)
def govuk_field_parts(context: Context, bound_field: BoundField) -> FieldParts:
    """Everything form_field.html needs to lay out one bound field.

    Reads the optional `input_class` from the context, so an include may leave it out.
    """
    input_class = str(context.get("input_class") or "")
    kind = field_kind(bound_field)
    field_id = bound_field.auto_id or bound_field.html_name
    hint_id = f"{field_id}_helptext"
    error_id = f"{field_id}_error"
    errors = [str(e) for e in bound_field.errors]
    described_by = " ".join(
        ident for ident, present in ((hint_id, bool(bound_field.help_text)), (error_id, bool(errors))) if present
    )
    if kind == "hidden":
        return FieldParts(kind, field_id, hint_id, error_id, described_by, errors, widget=bound_field.as_hidden())
    if kind in {"radios", "checkboxes"}:
        return FieldParts(kind, field_id, hint_id, error_id, described_by, errors, options=_options(bound_field))

    existing = bound_field.field.widget.attrs.get("class", "")
    if kind == "checkbox":
        classes = ["govuk-checkboxes__input"]
    else:
        base = WIDGET_CLASSES[kind]
        classes = [base] + ([f"{base}--error"] if errors else [])
    attrs: dict[str, Any] = {"class": " ".join(c for c in [*classes, existing, input_class] if c)}
    if described_by:
        attrs["aria-describedby"] = described_by
    # Widget attrs the form sets (autocomplete, inputmode, spellcheck...) pass through as_widget.
    return FieldParts(
        kind, field_id, hint_id, error_id, described_by, errors, widget=bound_field.as_widget(attrs=attrs)
    )


@dataclass(frozen=True)
class SummaryError:
    href: str
    message: str


@register.simple_tag
def error_summary_items(form: forms.BaseForm) -> list[SummaryError]:
    """Errors for the GOV.UK error summary, in field order, non-field errors first.

    Non-field errors link to the first visible field, so following the link puts the user back in
    the form; errors on hidden fields cannot be fixed by the user and have no link.
    """
    visible = form.visible_fields()
    first = f"#{field_anchor(visible[0])}" if visible else ""
    items = [SummaryError(first, str(e)) for e in form.non_field_errors()]
    for bound_field in visible:
        anchor = f"#{field_anchor(bound_field)}"
        items.extend(SummaryError(anchor, str(e)) for e in bound_field.errors)
    for bound_field in form.hidden_fields():
        items.extend(SummaryError("", str(e)) for e in bound_field.errors)
    return items


@register.inclusion_tag("web/includes/form_field.html")
def form_field(
    bound_field: BoundField, *, label_class: str = "", input_class: str = "", page_heading: bool = False
) -> dict[str, object]:
    """`{% form_field form.email input_class="govuk-input--width-20" %}`: same as including form_field.html."""
    return {
        "field": bound_field,
        "label_class": label_class,
        "input_class": input_class,
        "page_heading": page_heading,
    }


@register.inclusion_tag("web/includes/error_summary.html")
def error_summary(form: forms.BaseForm) -> dict[str, object]:
    """`{% error_summary form %}`: same as including error_summary.html."""
    return {"form": form}
