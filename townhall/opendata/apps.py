from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OpenDataConfig(AppConfig):
    name = "townhall.opendata"
    label = "opendata"
    verbose_name = "Open data portal"

    def ready(self) -> None:
        # Services run below tasks in the app's layers, so they cannot import the task;
        # this hands them the function that enqueues it (as myaccount does).
        from townhall.opendata import personal_data, search_index, tasks
        from townhall.opendata.licences import ensure_standard_licences
        from townhall.opendata.services import datastore, staged

        datastore.datastore_load_scheduler_install(tasks.datastore_load_enqueue)
        staged.staged_upload_scheduler_install(tasks.staged_upload_check_enqueue)
        personal_data.register()
        post_migrate.connect(ensure_standard_licences, sender=self, dispatch_uid="opendata-standard-licences")
        # A later migration that rebuilds a table on SQLite would drop the search triggers: put them back.
        post_migrate.connect(search_index.ensure, sender=self, dispatch_uid="opendata-search-index")
