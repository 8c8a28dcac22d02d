from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "townhall.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from townhall.audit import personal_data

        personal_data.register()
