"""Bin collection rounds for the demo borough: four services in every ward, every address on them.

Deterministic from the seed: each ward gets a collection weekday (Monday to Friday, spread
evenly over the wards), general waste and recycling on alternate weeks, food waste weekly
and garden waste fortnightly (a subscription). The rounds are written with bulk_create and
the assignments by the database itself from the gazetteer's rows, so the large scale
(150,000 addresses, 600,000 assignments) stays quick.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection

from townhall.places.models import Address, Ward
from townhall.waste.constants import HolidayRule, Service
from townhall.waste.models import CollectionRound, RoundAssignment

# A Monday: the reference week in which general waste is collected (recycling the week after).
_FIRST_WEEK = dt.date(2026, 1, 5)
# (service, weeks between collections, weeks after _FIRST_WEEK of the first collection)
_PATTERNS = (
    (Service.REFUSE, 2, 0),
    (Service.RECYCLING, 2, 1),
    (Service.FOOD, 1, 0),
    (Service.GARDEN, 2, 1),
)


def demo_bin_collections_create(*, seed: int) -> tuple[int, int]:
    """Create the rounds and put every address with a ward on them; (rounds, assignments)."""
    wards = list(Ward.objects.order_by("code").values_list("id", "code", "name"))
    weekdays = [index % 5 for index in range(len(wards))]
    random.Random(f"{seed}:bin-collections").shuffle(weekdays)  # noqa: S311 - demo data, not security
    rounds = []
    for (ward_id, code, name), weekday in zip(wards, weekdays, strict=True):
        for service, interval, offset in _PATTERNS:
            rounds.append(
                CollectionRound(
                    code=f"{service.value[:3].upper()}-{code}",
                    name=f"{name} {service.label.lower()}",
                    service=service,
                    weekday=weekday,
                    interval_weeks=interval,
                    reference_date=_FIRST_WEEK + dt.timedelta(weeks=offset, days=weekday),
                    holiday_rule=HolidayRule.SLIP_WEEK,
                    ward_id=ward_id,
                )
            )
    CollectionRound.objects.bulk_create(rounds)
    return len(rounds), _assign_every_address()


def _assign_every_address() -> int:
    """Every address with a ward onto its ward's rounds, in one INSERT ... SELECT.

    600,000 rows at the large scale: building them as model instances for bulk_create took
    38 s on SQLite; the database does it in a few seconds without Python in the loop.
    """
    quote = connection.ops.quote_name
    assignments, rounds, addresses = (
        quote(model._meta.db_table) for model in (RoundAssignment, CollectionRound, Address)
    )
    # Only table names from the models' metadata are formatted in; there are no values.
    sql = (
        f"INSERT INTO {assignments} (uprn, round_id, service) "  # noqa: S608
        f"SELECT a.uprn, r.id, r.service FROM {addresses} a JOIN {rounds} r ON r.ward_id = a.ward_id "
        "ORDER BY a.uprn, r.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.rowcount)
