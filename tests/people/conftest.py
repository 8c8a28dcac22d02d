"""Citizen Index fixtures: the four demo source systems, fed from the synthetic generator."""

from __future__ import annotations

import io
from collections import defaultdict
from itertools import combinations

import pytest

from townhall.demo.citizen_index import DEMO_SOURCE_SYSTEMS
from townhall.people import selectors, services
from townhall.people.models import SourceRecord, SourceSystem

# The demo borough's four sources, each naming its columns its own way, as real extracts do.
MAPPINGS: dict[str, dict[str, str]] = {code: mapping for code, _name, _rank, mapping in DEMO_SOURCE_SYSTEMS}
TRUST: dict[str, int] = {code: rank for code, _name, rank, _mapping in DEMO_SOURCE_SYSTEMS}


@pytest.fixture
def sources(db) -> dict[str, SourceSystem]:
    return {
        code: services.source_system_create(
            code=code, name=code.replace("_", " ").title(), trust_rank=TRUST[code], column_mapping=mapping
        )
        for code, mapping in MAPPINGS.items()
    }


def load_synthetic(sources: dict[str, SourceSystem], *, records: int, seed: int) -> selectors.SyntheticExtracts:
    extracts = selectors.synthetic_source_extracts(records=records, seed=seed, mappings=MAPPINGS)
    for code, data in extracts.files.items():
        report = services.load_batch_import(source=sources[code], file=io.BytesIO(data), file_name=f"{code}.csv")
        assert report.ok, report.lines()
    return extracts


def pairwise_scores(truth: dict[tuple[str, str], int]) -> tuple[float, float]:
    """Precision and recall of pairs of records sharing a citizen, against the generator's person ids."""
    citizen_of = {
        (code, source_id): citizen
        for code, source_id, citizen in SourceRecord.objects.filter(deleted_at__isnull=True).values_list(
            "source_system__code", "source_id", "citizen_id"
        )
    }
    by_citizen, by_person = defaultdict(set), defaultdict(set)
    for key, citizen in citizen_of.items():
        by_citizen[citizen].add(key)
        by_person[truth[key]].add(key)
    predicted = {frozenset(p) for group in by_citizen.values() for p in combinations(sorted(group), 2)}
    actual = {frozenset(p) for group in by_person.values() for p in combinations(sorted(group), 2)}
    both = len(predicted & actual)
    return (both / len(predicted) if predicted else 1.0, both / len(actual) if actual else 1.0)
