from django.apps import AppConfig


class OpenDataConfig(AppConfig):
    name = "townhall.opendata"
    label = "opendata"
    verbose_name = "Open data portal"
