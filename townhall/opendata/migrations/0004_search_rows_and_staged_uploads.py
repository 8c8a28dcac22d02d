"""Search rows carry the dataset's visibility, publisher, licence and dates (PostgreSQL); staged large uploads.

`search_index.install` adds the copied columns to `opendata_dataset_search` (if 0003 made it
without them), replaces its functions and triggers, adds its sort and array indexes, and
re-indexes every dataset. SQLite's FTS5 index is unchanged. DatasetSearchRow is that table
as a read-only, unmanaged model. StagedUpload: large files checked in the background.
"""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


def forwards(apps, schema_editor):
    from townhall.opendata import search_index

    if schema_editor.connection.vendor == "postgresql":
        search_index.install(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('opendata', '0003_dataset_search_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DatasetSearchRow',
            fields=[
                ('dataset', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='opendata.dataset')),
                ('name', models.CharField(max_length=100)),
                ('title', models.CharField(max_length=250)),
                ('state', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('active', 'Published'), ('withdrawn', 'Withdrawn'), ('deleted', 'Deleted')], max_length=20)),
                ('private', models.BooleanField()),
                ('scheduled_publication_at', models.DateTimeField(null=True)),
                ('metadata_created', models.DateTimeField()),
                ('metadata_modified', models.DateTimeField()),
            ],
            options={
                'db_table': 'opendata_dataset_search',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='StagedUpload',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('file', models.FileField(blank=True, max_length=300, upload_to='opendata/staging/')),
                ('filename', models.CharField(max_length=250)),
                ('size', models.PositiveBigIntegerField()),
                ('change_note', models.TextField(blank=True)),
                ('state', models.CharField(choices=[('queued', 'Waiting to be checked'), ('checking', 'Checking'), ('accepted', 'Published'), ('rejected', 'Not accepted'), ('failed', 'Failed')], default='queued', max_length=20)),
                ('rows_checked', models.PositiveBigIntegerField(default=0, help_text='Progress while checking.')),
                ('rows_expected', models.PositiveBigIntegerField(blank=True, help_text='About how many rows (CSV lines).', null=True)),
                ('problems', models.JSONField(blank=True, default=list, help_text='The refusal report (validation_report.Problem).')),
                ('truncated', models.BooleanField(default=False)),
                ('error', models.TextField(blank=True, help_text="Why checking failed (not the file's fault).")),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='opendata_staged_uploads', to=settings.AUTH_USER_MODEL)),
                ('resource', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='staged_uploads', to='opendata.resource')),
                ('version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='opendata.resourceversion')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
