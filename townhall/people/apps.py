from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "townhall.people"
    label = "people"
    verbose_name = "Citizen Index"

    def ready(self) -> None:
        from townhall.people import personal_data

        personal_data.register()
