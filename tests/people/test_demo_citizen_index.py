"""The demo borough's Citizen Index: four sources loaded and linked, identities measured against the truth."""

from __future__ import annotations

import pytest

from townhall.demo.citizen_index import DEMO_SOURCE_SYSTEMS, SOURCE_RECORDS, demo_citizen_index_create
from townhall.demo.constants import Scale
from townhall.people import selectors
from townhall.people.models import LoadBatch, ReviewPair

from .conftest import pairwise_scores


@pytest.mark.django_db
def test_demo_sources_are_loaded_and_linked() -> None:
    run = demo_citizen_index_create(seed=1, scale=Scale.SMALL)
    counts = selectors.source_record_counts()
    assert [c.code for c in counts] == [code for code, *_ in DEMO_SOURCE_SYSTEMS]
    assert all(c.active == c.linked > 0 for c in counts)
    assert run.records == SOURCE_RECORDS[Scale.SMALL]
    assert LoadBatch.objects.filter(status="loaded").count() == len(DEMO_SOURCE_SYSTEMS)
    mappings = {code: mapping for code, _n, _r, mapping in DEMO_SOURCE_SYSTEMS}
    truth = selectors.synthetic_source_extracts(
        records=SOURCE_RECORDS[Scale.SMALL], seed=1, mappings=mappings, hard_cases=True
    ).truth
    precision, recall = pairwise_scores(truth)
    f1 = 2 * precision * recall / (precision + recall)
    print(  # noqa: T201 - figures for the report
        f"\ndemo (small): precision {precision:.4f}, recall {recall:.4f}, F1 {f1:.4f}, "
        f"{run.clusters} citizens, {run.review_pairs} pairs for review"
    )
    assert precision >= 0.98
    assert recall >= 0.95
    # A steward trying the demo finds a queue to work through, as with any real extract.
    assert run.review_pairs == ReviewPair.objects.count() >= 5
