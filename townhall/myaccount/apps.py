from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MyAccountConfig(AppConfig):
    name = "townhall.myaccount"
    label = "myaccount"
    verbose_name = "MyAccount: timeline, correspondence, preferences and consent"

    def ready(self) -> None:
        # Services run below tasks in the app's layers, so they cannot import the task;
        # this hands them the function that enqueues it (as notify does).
        from townhall.myaccount import personal_data, tasks
        from townhall.myaccount.services import data_rights

        data_rights.data_export_scheduler_install(tasks.data_export_schedule)
        personal_data.register()
        post_migrate.connect(_consent_defaults, sender=self, dispatch_uid="townhall.myaccount.consent_defaults")


def _consent_defaults(**kwargs: object) -> None:
    """Every install has the default consent purposes (see services.consent_defaults_ensure)."""
    from townhall.myaccount.services import consent_defaults_ensure

    consent_defaults_ensure()
