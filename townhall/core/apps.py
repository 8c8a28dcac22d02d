from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "townhall.core"
    label = "core"
    verbose_name = "Townhall core"
