from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "townhall.api"
    label = "townhall_api"
    verbose_name = "Townhall API"
