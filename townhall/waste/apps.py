from django.apps import AppConfig


class WasteConfig(AppConfig):
    name = "townhall.waste"
    label = "waste"
    verbose_name = "Bin collections: rounds, the properties on them and changed dates"
