from django.apps import AppConfig


class ServiceRequestsConfig(AppConfig):
    name = "townhall.service_requests"
    label = "service_requests"
    verbose_name = "Service requests"

    def ready(self) -> None:
        from townhall.service_requests import personal_data

        personal_data.register()
