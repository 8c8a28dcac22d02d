"""The relationship graph's layout: data flows left to right, cycles do not break it."""

from __future__ import annotations

import re

import pytest

from tests.catalogue.conftest import Register, asset_fields
from townhall.catalogue import graph, selectors, services
from townhall.catalogue.models import InformationAsset

pytestmark = pytest.mark.django_db


def _x_of(svg: str, asset: InformationAsset) -> int:
    match = re.search(rf'<g data-asset="{asset.pk}"><rect x="(\d+)"', svg)
    assert match, f"{asset.name} is not drawn"
    return int(match.group(1))


def _edges(svg: str) -> int:
    return svg.count('<path d="M') - svg.count("<marker")


def test_feeds_go_left_to_right_and_derived_from_is_read_backwards(register: Register) -> None:
    extract = services.asset_create(
        acting_user=None, fields=asset_fields(name="Arrears extract", holds_personal_data=False, lawful_basis="")
    )
    services.relationship_add(acting_user=None, source=extract, target=register.council_tax, kind="derived_from")
    svg = graph.relationship_svg(selectors.relationship_graph())

    assert _x_of(svg, register.gazetteer) < _x_of(svg, register.council_tax) < _x_of(svg, extract)
    assert 'aria-hidden="true"' in svg
    assert _edges(svg) == 2
    assert ">Local Land and Property</tspan>" in svg  # long names wrap onto a second line


def test_a_cycle_is_still_drawn(register: Register) -> None:
    services.relationship_add(acting_user=None, source=register.council_tax, target=register.gazetteer, kind="feeds")
    svg = graph.relationship_svg(selectors.relationship_graph())
    assert svg.count("<g data-asset=") == 4
    assert _edges(svg) == 2


def test_names_are_escaped(db: None) -> None:
    services.asset_create(acting_user=None, fields=asset_fields(name="Fees & <charges>"))
    svg = graph.relationship_svg(selectors.relationship_graph())
    assert "Fees &amp; &lt;charges&gt;" in svg


def test_an_empty_register_draws_nothing(db: None) -> None:
    assert graph.relationship_svg(selectors.relationship_graph()) == ""
