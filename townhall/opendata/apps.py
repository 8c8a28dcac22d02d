from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OpenDataConfig(AppConfig):
    name = "townhall.opendata"
    label = "opendata"
    verbose_name = "Open data portal"

    def ready(self) -> None:
        from townhall.opendata import personal_data
        from townhall.opendata.licences import ensure_standard_licences

        personal_data.register()
        post_migrate.connect(ensure_standard_licences, sender=self, dispatch_uid="opendata-standard-licences")
