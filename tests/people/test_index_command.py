"""`townhall people source-add / import / link`: the Citizen Index from the command line."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from townhall.people import selectors
from townhall.people.models import SourceRecord, SourceSystem

from .conftest import MAPPINGS


def _run(*args: str) -> str:
    out = StringIO()
    call_command("people", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_source_add_import_and_link(tmp_path: Path) -> None:
    extracts = selectors.synthetic_source_extracts(records=300, seed=4, mappings={"housing": MAPPINGS["housing"]})
    path = tmp_path / "housing.csv"
    path.write_bytes(extracts.files["housing"])
    mapping = json.dumps(MAPPINGS["housing"])
    assert "Added source housing" in _run(
        "source-add", "housing", "--name", "Housing", "--trust-rank", "2", "--mapping", mapping
    )
    out = _run("import", "housing", str(path))
    count = SourceRecord.objects.count()
    assert count > 0
    assert f"{count:,} new, 0 changed, 0 deleted, 0 unchanged" in out
    assert "0 new, 0 changed, 0 deleted" in _run("import", "housing", str(path), "--delta")
    out = _run("link", "--threshold", "0.99")
    assert f"Linked {count:,} records into" in out
    assert "pairs for review" in out
    assert SourceRecord.objects.filter(citizen__isnull=True).count() == 0


@pytest.mark.django_db
def test_import_errors_are_reported_and_nothing_is_stored(tmp_path: Path) -> None:
    SourceSystem.objects.create(code="waste", name="Waste", trust_rank=4, column_mapping=MAPPINGS["waste"])
    header = ",".join(MAPPINGS["waste"].values())
    path = tmp_path / "waste.csv"
    path.write_text(header + "\nW1,Ann,Lee,31/02/1990,,,,,,\n")
    with pytest.raises(CommandError, match=r"not loaded \(1 errors; nothing stored\):\nrow 1, date_of_birth"):
        _run("import", "waste", str(path))
    assert SourceRecord.objects.count() == 0
    with pytest.raises(CommandError, match="no source system 'nope'"):
        _run("import", "nope", str(path))
    with pytest.raises(CommandError, match="no such file"):
        _run("import", "waste", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="source_id"):
        _run("source-add", "other", "--name", "Other", "--trust-rank", "1", "--mapping", '{"surname": "S"}')
    with pytest.raises(CommandError, match="review-from"):
        _run("link", "--threshold", "0.9", "--review-from", "0.95")
