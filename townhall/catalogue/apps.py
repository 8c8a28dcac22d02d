from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "townhall.catalogue"
    label = "catalogue"
    verbose_name = "Information asset register"
