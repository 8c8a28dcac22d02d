from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "townhall.catalogue"
    label = "catalogue"
    verbose_name = "Information asset register"

    def ready(self) -> None:
        from townhall.catalogue import personal_data

        personal_data.register()
