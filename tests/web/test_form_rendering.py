"""GOV.UK form markup from web/includes/form_field.html and error_summary.html."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template import Context, Template
from django.template.loader import render_to_string


class ReportForm(forms.Form):
    full_name = forms.CharField(label="Full name", widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label="Email address",
        help_text="We only use this to reply to you.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    count = forms.IntegerField(label="How many?", min_value=1)
    details = forms.CharField(label="Details", widget=forms.Textarea, required=False)
    ward = forms.ChoiceField(label="Ward", choices=[("", "Choose a ward"), ("north", "North"), ("south", "South")])
    contact = forms.ChoiceField(
        label="How should we contact you?",
        widget=forms.RadioSelect,
        choices=[("email", "Email"), ("phone", "Phone")],
        help_text="Choose one.",
    )
    topics = forms.MultipleChoiceField(
        label="Topics", widget=forms.CheckboxSelectMultiple, choices=[("bins", "Bins"), ("roads", "Roads")]
    )
    agree = forms.BooleanField(label="I agree")
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, object]:
        raise forms.ValidationError("These details do not match our records.")


def invalid_form() -> ReportForm:
    form = ReportForm(data={"full_name": "", "email": "not-an-email", "count": "0"})
    assert not form.is_valid()
    return form


def render_field(field: forms.BoundField, **options: object) -> str:
    return render_to_string("web/includes/form_field.html", {"field": field, **options})


def test_error_summary_links_each_error_to_its_field() -> None:
    form = invalid_form()

    html = render_to_string("web/includes/error_summary.html", {"form": form})

    assert 'class="govuk-error-summary" data-module="govuk-error-summary"' in html
    assert '<div role="alert">' in html
    assert '<h2 class="govuk-error-summary__title">There is a problem</h2>' in html
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', html)
    assert links == [
        ("id_full_name", "These details do not match our records."),
        ("id_full_name", "This field is required."),
        ("id_email", "Enter a valid email address."),
        ("id_password", "This field is required."),
        ("id_count", "Ensure this value is greater than or equal to 1."),
        ("id_ward", "This field is required."),
        ("id_contact_0", "This field is required."),
        ("id_topics_0", "This field is required."),
        ("id_agree", "This field is required."),
    ]
    # The hidden field's error is listed but cannot be linked to.
    assert "<li>This field is required.</li>" in html


def test_error_summary_renders_nothing_for_a_valid_or_unbound_form() -> None:
    assert render_to_string("web/includes/error_summary.html", {"form": ReportForm()}).strip() == ""


def test_error_summary_tag_matches_include() -> None:
    form = invalid_form()
    tag = Template("{% load govuk_forms %}{% error_summary form %}").render(Context({"form": form}))

    assert tag == render_to_string("web/includes/error_summary.html", {"form": form})


def test_text_input_with_hint_and_error() -> None:
    html = render_field(invalid_form()["email"])

    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert '<label class="govuk-label" for="id_email">Email address</label>' in html
    assert '<div id="id_email_helptext" class="govuk-hint">We only use this to reply to you.</div>' in html
    assert (
        '<p id="id_email_error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> Enter a valid email address.</p>'
    ) in html
    widget = re.search(r"<input [^>]+>", html)
    assert widget is not None
    assert 'type="email"' in widget.group()
    assert 'class="govuk-input govuk-input--error"' in widget.group()
    assert 'aria-describedby="id_email_helptext id_email_error"' in widget.group()
    assert 'autocomplete="email"' in widget.group()
    assert 'aria-invalid="true"' in widget.group()


def test_valid_text_input_has_no_error_markup() -> None:
    html = render_field(ReportForm()["full_name"], input_class="govuk-input--width-20")

    assert "govuk-form-group--error" not in html
    assert "govuk-error-message" not in html
    assert 'class="govuk-input govuk-input--width-20"' in html
    assert 'autocomplete="name"' in html
    assert "aria-describedby" not in html


@pytest.mark.parametrize(
    ("name", "element", "classes"),
    [
        ("password", '<input type="password"', "govuk-input govuk-input--error"),
        ("count", '<input type="number"', "govuk-input govuk-input--error"),
        ("ward", "<select", "govuk-select govuk-select--error"),
    ],
)
def test_widget_kinds_get_their_govuk_classes(name: str, element: str, classes: str) -> None:
    html = render_field(invalid_form()[name])

    assert element in html
    assert f'class="{classes}"' in html
    assert f'aria-describedby="id_{name}_error"' in html


def test_textarea() -> None:
    html = render_field(ReportForm()["details"])

    assert '<textarea name="details"' in html
    assert 'class="govuk-textarea"' in html


def test_page_heading_label() -> None:
    html = render_field(ReportForm()["full_name"], page_heading=True, label_class="govuk-label--l")

    assert '<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="id_full_name">' in html


def test_radios_in_a_fieldset_with_legend_hint_and_error() -> None:
    html = render_field(invalid_form()["contact"])

    assert '<fieldset class="govuk-fieldset" aria-describedby="id_contact_helptext id_contact_error">' in html
    assert "How should we contact you?" in html.split("</legend>")[0]
    assert '<div class="govuk-radios" data-module="govuk-radios">' in html
    assert '<input class="govuk-radios__input" id="id_contact_0" name="contact" type="radio" value="email">' in html
    assert '<label class="govuk-label govuk-radios__label" for="id_contact_1">Phone</label>' in html
    assert '<span class="govuk-visually-hidden">Error:</span> This field is required.' in html


def test_radios_keep_the_chosen_option() -> None:
    form = ReportForm(data={"contact": "phone"})
    form.is_valid()

    html = render_field(form["contact"])

    assert 'id="id_contact_1" name="contact" type="radio" value="phone" checked>' in html
    assert 'value="email" checked' not in html


def test_checkboxes_for_multiple_choice() -> None:
    form = ReportForm(data={"topics": ["roads"]})
    form.is_valid()

    html = render_field(form["topics"])

    assert '<div class="govuk-checkboxes" data-module="govuk-checkboxes">' in html
    assert 'id="id_topics_1" name="topics" type="checkbox" value="roads" checked>' in html
    assert 'id="id_topics_0" name="topics" type="checkbox" value="bins">' in html


def test_single_checkbox() -> None:
    html = render_field(invalid_form()["agree"])

    assert 'class="govuk-checkboxes__input"' in html
    assert 'type="checkbox"' in html
    assert '<label class="govuk-label govuk-checkboxes__label" for="id_agree">I agree</label>' in html
    assert 'id="id_agree_error"' in html


def test_hidden_field_renders_only_the_input() -> None:
    html = render_field(ReportForm(initial={"token": "abc"})["token"]).strip()

    assert html == '<input type="hidden" name="token" value="abc" id="id_token">'


def test_form_field_tag_matches_include() -> None:
    form = invalid_form()
    tag = Template('{% load govuk_forms %}{% form_field form.email input_class="govuk-input--width-20" %}').render(
        Context({"form": form})
    )

    assert tag == render_field(form["email"], input_class="govuk-input--width-20", label_class="", page_heading=False)
    assert "govuk-input--width-20" in tag


TITLE = Template(
    "{% load townhall_web %}{% page_title %}{% block title %}Report a problem{% endblock %}{% endpage_title %}"
)


def test_page_title_gets_error_prefix_when_form_has_errors(settings) -> None:
    context = {"branding": settings.TOWNHALL_BRANDING}

    assert TITLE.render(Context({**context, "form": invalid_form()})) == (
        "Error: Report a problem \N{EN DASH} Demo Borough Council"
    )
    without_errors = TITLE.render(Context({**context, "form": ReportForm()}))
    assert without_errors == "Report a problem \N{EN DASH} Demo Borough Council"
    assert TITLE.render(Context({**context, "page_has_errors": True})).startswith("Error: ")
