"""Peak memory of a background check and of a datastore load (not collected by the suite; run them by name).

    nice -n 10 /usr/bin/time -v .venv/bin/pytest -q -p no:cacheprovider -s \
        tests/opendata/bench_staged_memory.py::test_peak_memory_of_a_background_check

BENCH_CSV names a CSV (id,name,amount) to use; otherwise one of BENCH_MB (100) megabytes is written first.
Each prints the process's peak resident memory before and after the work (ru_maxrss), so its
own share can be told from Django's and pytest's.
"""

from __future__ import annotations

import os
import resource as rusage
import time
from pathlib import Path

import pytest
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.opendata.ckan_fixtures import Catalogue
from townhall.accounts.models import User
from townhall.opendata import services
from townhall.opendata.services import ResourceFields, datastore, staged

pytestmark = pytest.mark.django_db


def _peak_mb() -> float:
    return rusage.getrusage(rusage.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture
def bench_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("BENCH_CSV"):
        return Path(os.environ["BENCH_CSV"])
    path = tmp_path_factory.mktemp("bench") / "spend.csv"
    wanted = int(os.environ.get("BENCH_MB", "100")) * 2**20
    with path.open("w") as out:
        out.write("id,name,amount\n")
        number = 0
        while out.tell() < wanted:
            number += 1
            out.write(f"{number},Name number {number} of the borough spend file,{number * 7919 % 1_000_000}\n")
    return path


def test_peak_memory_of_a_background_check(catalogue: Catalogue, data_steward: User, bench_csv: Path) -> None:
    path = bench_csv
    resource = services.resource_create(
        acting_user=data_steward,
        dataset=catalogue.toilets,
        fields=ResourceFields(name="Spend", upload=SimpleUploadedFile("spend.csv", b"id,name,amount\n1,A,10\n")),
    )
    with path.open("rb") as handle:
        upload = staged.staged_upload_create(
            acting_user=data_steward, resource=resource, upload=File(handle, name=path.name), filename=path.name
        )
    before = _peak_mb()
    started = time.monotonic()
    checked = staged.staged_upload_check(staged_id=upload.pk)
    assert checked is not None
    print(  # noqa: T201 - the benchmark's output
        f"\nfile {path.stat().st_size / 2**20:.0f} MB: {checked.state} {checked.error} "
        f"rows {checked.rows_checked}; peak RSS before the check {before:.0f} MB, after {_peak_mb():.0f} MB; "
        f"{time.monotonic() - started:.0f} s"
    )


def test_peak_memory_of_a_datastore_load(catalogue: Catalogue, data_steward: User, bench_csv: Path) -> None:
    """The load the accepted version queues next: rows are read and written in batches."""
    path = bench_csv
    resource = services.resource_create(
        acting_user=data_steward,
        dataset=catalogue.toilets,
        fields=ResourceFields(name="Spend", url="https://data.council.example/spend.csv", format="CSV"),
    )
    before = _peak_mb()
    started = time.monotonic()
    with path.open("rb") as stream:
        table = datastore.datastore_load_stream(resource=resource, stream=stream)
    print(  # noqa: T201 - the benchmark's output
        f"\nload {path.stat().st_size / 2**20:.0f} MB: {table.state} {table.error} rows {table.row_count}; "
        f"peak RSS before {before:.0f} MB, after {_peak_mb():.0f} MB; {time.monotonic() - started:.0f} s"
    )
