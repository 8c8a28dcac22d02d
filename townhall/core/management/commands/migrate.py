"""`townhall migrate`: Django's migrate, then the database cache table.

allauth keeps its sign-in rate limits in the cache, and the default cache
(CACHE_URL=dbcache://townhall_cache) is a database table that no migration
creates. Doing both in one command means `make run` and a production deploy
can never forget the second step. townhall.core comes before the other apps in
INSTALLED_APPS, so this command replaces Django's own `migrate`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.core.management import call_command
from django.core.management.commands import migrate
from django.db import connections, router


class Command(migrate.Command):
    help = f"{migrate.Command.help} Then creates the database cache table(s) that are missing."

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        if options["plan"] or options["check_unapplied"] or options["prune"]:
            return  # read-only or bookkeeping runs change no schema
        self._create_missing_cache_tables(options["database"])

    def _create_missing_cache_tables(self, database: str) -> None:
        """Create only the tables that are missing, so a second run is silent and does nothing."""
        missing = missing_cache_tables(database)
        if not missing:
            return
        if self.verbosity >= 1:
            self.stdout.write(self.style.MIGRATE_HEADING("Creating cache tables:"))
        for table in missing:
            if self.verbosity >= 1:
                self.stdout.write(f"  Creating cache table {table}...", ending="")
            call_command("createcachetable", table, database=database, verbosity=0)
            if self.verbosity >= 1:
                self.stdout.write(self.style.SUCCESS(" OK"))


def missing_cache_tables(database: str) -> list[str]:
    """Tables of the configured database caches that the router sends to `database` and that do not exist."""
    connection = connections[database]
    existing = set(connection.introspection.table_names())
    tables: list[str] = []
    for alias in settings.CACHES:
        cache = caches[alias]
        if not isinstance(cache, BaseDatabaseCache):
            continue
        if not router.allow_migrate_model(database, cache.cache_model_class):
            continue
        table = str(settings.CACHES[alias]["LOCATION"])  # a database cache's LOCATION is its table
        if table not in existing and table not in tables:
            tables.append(table)
    return tables
