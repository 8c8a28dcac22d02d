"""A system check, so a wrong NOTIFY_* setting stops `migrate`, `serve` and `check --deploy` at once.

Without it the mistake would surface only when the first message is delivered.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from townhall.notify.conf import outbox_settings


@checks.register()
def notify_settings_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        outbox_settings()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="notify.E001")]
    return []
