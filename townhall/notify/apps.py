from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "townhall.notify"
    label = "notify"
    verbose_name = "Notifications and integrations"

    def ready(self) -> None:
        # Services run below tasks in the app's layers, so they cannot import the task;
        # this hands them the function that enqueues it.
        from townhall.notify import checks, services, tasks  # noqa: F401 - checks registers itself

        services.delivery_scheduler_install(tasks.delivery_schedule)

        from townhall.notify import personal_data

        personal_data.register()
