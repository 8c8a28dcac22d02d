"""The demo borough's open data: datasets from three publishers, as a council would publish them.

Street trees, public toilets and spending over £500 are generated from the demo gazetteer
with a seeded random generator (the same borough gives the same files); service request
statistics and ward boundaries come from Townhall's own data through
`opendata.services.council_datasets_publish`, exactly as on a council's server.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from townhall.opendata import services as opendata_services
from townhall.opendata.models import Frequency
from townhall.opendata.services import PublishedFile
from townhall.places.models import Street

TREE_SPECIES = (
    ("Acer campestre", "Field maple"),
    ("Betula pendula", "Silver birch"),
    ("Carpinus betulus", "Hornbeam"),
    ("Prunus avium", "Wild cherry"),
    ("Sorbus aucuparia", "Rowan"),
    ("Tilia cordata", "Small-leaved lime"),
    ("Quercus robur", "English oak"),
    ("Platanus x hispanica", "London plane"),
)
SUPPLIERS = (
    ("Northern Highways Ltd", "Highways maintenance"),
    ("Clearway Waste Services", "Waste collection"),
    ("Greenkeep Grounds Care", "Grounds maintenance"),
    ("Brightline Street Lighting", "Street lighting"),
    ("Civic IT Services", "ICT support"),
    ("Riverside Care Partnership", "Adult social care"),
    ("Teesline Buses", "Home to school transport"),
)


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _spec(
    name: str, title: str, notes: str, publisher: tuple[str, str], theme: tuple[str, str], *tags: str
) -> PublishedFile:
    return PublishedFile(
        dataset_name=name,
        title=title,
        notes=notes,
        publisher_name=publisher[0],
        publisher_title=publisher[1],
        theme_name=theme[0],
        theme_title=theme[1],
        tags=tags,
        frequency=Frequency.MONTHLY,
        file_name=f"{name}.csv",
        format="CSV",
        mimetype="text/csv",
    )


ENVIRONMENT = ("environment", "Environment and Parks")
FINANCE = ("finance", "Finance")


def _street_trees(rng: random.Random, streets: list[Street]) -> bytes:
    rows: list[list[object]] = []
    for street in streets:
        for _ in range(rng.randrange(0, 4)):
            latin, common = rng.choice(TREE_SPECIES)
            rows.append(
                [
                    f"T{len(rows) + 1:06d}",
                    latin,
                    common,
                    street.name,
                    street.usrn,
                    round(street.lat + rng.uniform(-0.0008, 0.0008), 6),
                    round(street.lng + rng.uniform(-0.0008, 0.0008), 6),
                    rng.randrange(1960, 2025),
                    round(rng.uniform(2, 22), 1),
                    rng.choice(("Good", "Good", "Fair", "Poor")),
                ]
            )
    header = ["tree_id", "species", "common_name", "street", "usrn", "latitude", "longitude", "year_planted"]
    return _csv([*header, "height_m", "condition"], rows)


def _public_toilets(rng: random.Random, streets: list[Street]) -> bytes:
    rows: list[list[object]] = []
    for number, street in enumerate(rng.sample(streets, min(12, len(streets))), start=1):
        rows.append(
            [
                f"WC{number:03d}",
                f"{street.name} public toilets",
                street.name,
                round(street.lat, 6),
                round(street.lng, 6),
                rng.choice(("07:00-19:00", "08:00-18:00", "24 hours")),
                rng.choice(("Yes", "Yes", "No")),
                rng.choice(("Yes", "No")),
                rng.choice(("Free", "Free", "20p")),
            ]
        )
    header = ["toilet_id", "name", "street", "latitude", "longitude", "opening_hours", "accessible", "baby_change"]
    return _csv([*header, "charge"], rows)


def _spending(rng: random.Random, as_of: dt.date) -> bytes:
    rows: list[list[object]] = []
    month = as_of.replace(day=1)
    for _ in range(12):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        for supplier, purpose in SUPPLIERS:
            for _ in range(rng.randrange(1, 5)):
                paid = month + dt.timedelta(days=rng.randrange(0, 27))
                rows.append(
                    [
                        paid.isoformat(),
                        f"INV{rng.randrange(100000, 999999)}",
                        supplier,
                        purpose,
                        f"{rng.uniform(500, 60000):.2f}",
                    ]
                )
    rows.sort(key=lambda row: (str(row[0]), str(row[1])))
    return _csv(["payment_date", "transaction_id", "supplier", "purpose", "amount_gbp"], rows)


def demo_open_data_create(*, seed: int, as_of: dt.date) -> int:
    """Publish the demo datasets and the council's own; returns how many datasets were published."""
    rng = random.Random(f"townhall-demo:{seed}:open-data")  # noqa: S311 (seeded on purpose: determinism)
    streets = list(Street.objects.order_by("usrn"))
    files = (
        (
            _spec(
                "street-trees",
                "Street trees",
                "Every tree the council looks after on its streets: species, where it is, when it was planted, "
                "its height and condition at the last inspection.",
                ENVIRONMENT,
                ("environment", "Environment"),
                "trees",
                "environment",
                "streets",
            ),
            _street_trees(rng, streets),
        ),
        (
            _spec(
                "public-toilets",
                "Public toilets",
                "Public toilets the council runs: where they are, when they are open, whether they are accessible "
                "and have baby changing, and what they cost.",
                ENVIRONMENT,
                ("environment", "Environment"),
                "toilets",
                "accessibility",
            ),
            _public_toilets(rng, streets),
        ),
        (
            _spec(
                "spending-over-500",
                "Spending over £500",
                "Every payment of more than £500 the council made to a supplier in the last twelve months, as the "
                "Local Government Transparency Code asks.",
                FINANCE,
                ("spending", "Spending and finance"),
                "spending",
                "transparency",
            ),
            _spending(rng, as_of),
        ),
    )
    for spec, content in files:
        opendata_services.dataset_file_publish(spec=spec, content=content)
    return len(files) + len(opendata_services.council_datasets_publish(today=as_of))
