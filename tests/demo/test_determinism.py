"""Same seed, same borough: ids, names, coordinates, emails and TOTP secrets."""

from django.core.management import call_command

from tests.demo.conftest import AS_OF
from tests.demo.digest import borough_digest, borough_rows
from townhall.demo.borough import plan_borough
from townhall.demo.models import DemoRun


def test_reset_with_the_same_seed_regenerates_identical_data_and_another_seed_does_not(borough):
    first_rows = borough_rows()
    call_command("demo", "--reset", "--seed", "2", "--as-of", AS_OF.isoformat())
    other_rows = borough_rows()
    assert borough_digest() != borough.digest
    assert not set(other_rows["wards"]) & set(first_rows["wards"])
    assert {row[1] for row in other_rows["addresses"]} != {row[1] for row in first_rows["addresses"]}

    call_command("demo", "--reset", "--seed", "1", "--as-of", AS_OF.isoformat())
    assert borough_digest() == borough.digest
    assert DemoRun.objects.get().seed == 1


def test_the_plan_depends_only_on_the_seed():
    first, again = plan_borough(seed=7, addresses=1_000), plan_borough(seed=7, addresses=1_000)
    assert first.addresses == again.addresses
    assert first.streets == again.streets
    assert [ward.polygon.wkb for ward in first.wards] == [ward.polygon.wkb for ward in again.wards]
    # Scale changes how many addresses there are, not the map.
    bigger = plan_borough(seed=7, addresses=3_000)
    assert [(w.name, w.polygon.wkb) for w in bigger.wards] == [(w.name, w.polygon.wkb) for w in first.wards]
    assert plan_borough(seed=8, addresses=1_000).addresses != first.addresses
