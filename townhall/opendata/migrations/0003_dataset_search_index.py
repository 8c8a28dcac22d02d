"""The full-text index for package_search: weighted tsvectors (PostgreSQL) or FTS5 (SQLite), kept by triggers.

On PostgreSQL the index rows also hold each dataset's facet values, and a catalogue version
changes with every write (cached browse facets are keyed by it).

The SQL lives in townhall/opendata/search_index.py (one source for this migration and for
`search_index.ensure`, which restores SQLite triggers after table remakes); see ADR 0019.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from townhall.opendata import search_index

    search_index.install(schema_editor.connection)


def backwards(apps, schema_editor):
    from townhall.opendata import search_index

    search_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("opendata", "0002_resource_versions_and_datastore_tables"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
