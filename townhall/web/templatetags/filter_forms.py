"""`{% filter_form %}`: the GOV.UK filter panel above staff lists (queue, audit log, outbox), in one place.

A GET form with a fieldset, the fields laid out in grid columns, "Apply filters" and a
"Clear filters" link once something is filtered. The page says which field goes in which
column, and how wide an input is, in a short layout string:

    {% filter_form form action=url legend="Filter entries" filtered=filtered
       layout="action=govuk-!-width-full object_type=govuk-input--width-20 | actor_id" %}

Columns are separated by `|`; each field is `name` or `name=extra-input-class`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()

_COLUMN_CLASSES = {1: "full", 2: "one-half", 3: "one-third", 4: "one-quarter"}


@dataclass(frozen=True)
class FilterField:
    field: BoundField
    input_class: str


def filter_columns(form: forms.BaseForm, layout: str) -> list[list[FilterField]]:
    """The form's fields in the columns the layout string names (an unknown field name is a template error)."""
    columns = []
    for column in layout.split("|"):
        items = []
        for token in column.split():
            name, _, input_class = token.partition("=")
            if name not in form.fields:
                raise template.TemplateSyntaxError(f"filter_form layout names {name!r}, which the form does not have")
            items.append(FilterField(form[name], input_class))
        columns.append(items)
    return columns


@register.inclusion_tag("web/includes/filter_form.html")
def filter_form(
    form: forms.BaseForm,
    *,
    action: str,
    layout: str,
    legend: str = "Filter",
    filtered: bool = False,
    submit_label: str = "Apply filters",
) -> dict[str, object]:
    columns = filter_columns(form, layout)
    return {
        "form": form,
        "action": action,
        "legend": legend,
        "filtered": filtered,
        "submit_label": submit_label,
        "columns": columns,
        "column_class": f"govuk-grid-column-{_COLUMN_CLASSES.get(len(columns), 'full')}",
    }
