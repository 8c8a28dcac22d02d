"""`{{ moment|govuk_time }}`: times as GOV.UK writes them ("9am", "5:35pm", "midday", "midnight").

Django's `a` format gives "p.m.", which the GOV.UK style guide does not use. Registered as a
template builtin (settings TEMPLATES), so every app's templates can use it without a load tag.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def govuk_time(value: dt.datetime | dt.time | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).time() if timezone.is_aware(value) else value.time()
    if (value.hour, value.minute) == (0, 0):
        return "midnight"
    if (value.hour, value.minute) == (12, 0):
        return "midday"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"
