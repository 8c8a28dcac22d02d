"""Forms of the Citizen Index staff pages."""

from __future__ import annotations

from django import forms

from townhall.people.constants import ReviewDecision


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Are these records the same person?",
        choices=[
            (ReviewDecision.MATCH, "Yes, the same person"),
            (ReviewDecision.NOT_MATCH, "No, different people"),
            (ReviewDecision.SKIP, "Not sure: skip for now"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether these records are the same person"},
    )
    reason = forms.CharField(
        label="Why (optional)",
        help_text="Say what you checked. Do not copy personal details here.",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Reason must be 500 characters or fewer"},
    )


class CitizenMergeForm(forms.Form):
    other = forms.CharField(
        label="Citizen id to merge into this one",
        help_text="For example, CIT-7KQ2-M9XD-4HTA. That citizen is retired and its records move here.",
        max_length=20,
        error_messages={"required": "Enter the citizen id to merge into this one"},
    )
    reason = forms.CharField(
        label="Why are they the same person?",
        help_text="Say what you checked. Do not copy personal details here.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why they are the same person"},
    )

    def clean_other(self) -> str:
        return str(self.cleaned_data["other"]).strip().upper()


class CitizenSplitForm(forms.Form):
    records = forms.MultipleChoiceField(
        label="Records that belong to someone else",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the records that belong to someone else"},
    )
    reason = forms.CharField(
        label="Why do they belong to someone else?",
        help_text="Say what you checked. Do not copy personal details here.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why they belong to someone else"},
    )

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["records"].choices = choices  # type: ignore[attr-defined]
