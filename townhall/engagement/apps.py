from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "townhall.engagement"
    label = "engagement"
    verbose_name = "Have your say"

    def ready(self) -> None:
        from townhall.engagement import personal_data

        personal_data.register()
