from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "townhall.notices"
    label = "notices"
    verbose_name = "Council notices"

    def ready(self) -> None:
        from townhall.notices import personal_data

        personal_data.register()
