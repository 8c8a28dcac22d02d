from django.apps import AppConfig


class ServiceRequestsConfig(AppConfig):
    name = "townhall.service_requests"
    label = "service_requests"
    verbose_name = "Service requests"
