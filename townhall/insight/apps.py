from typing import Any

from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "townhall.insight"
    label = "insight"
    verbose_name = "Insight: dashboards, forecasts and performance"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from townhall.insight import personal_data

        personal_data.register()
        user_logged_in.connect(_signed_in, dispatch_uid="insight-sign-in-day")


def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Count residents using their account (see services.sign_in_record)."""
    from townhall.insight import services

    services.sign_in_record(user=user)
