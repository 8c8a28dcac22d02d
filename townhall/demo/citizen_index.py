"""The demo borough's Citizen Index: four source systems, their extracts, and a first linkage run.

Council tax, housing, adult social care and garden waste subscriptions each hold some of
the borough's residents, each in its own column names, with the overlaps and errors
real extracts have (townhall.people's synthetic generator: nicknames, typos, swapped
dates, movers, twins, and its hard cases: juniors, and recent movers whose old records
share little more than a name with the new ones, which leave pairs for clerical review).
The records are loaded through the same import service a data team uses and linked by
the same run, so the demo shows citizens, golden records, events and a review queue.
The residents here are made up and are not the demo's resident accounts.
"""

from __future__ import annotations

import io

from townhall.demo.constants import Scale
from townhall.people import selectors as people_selectors
from townhall.people import services as people_services
from townhall.people.models import LinkageRun

# (code, name, trust rank, column mapping): adult social care verifies identity, so it
# is the most trusted; garden waste is an online form, the least.
DEMO_SOURCE_SYSTEMS: tuple[tuple[str, str, int, dict[str, str]], ...] = (
    ("adult_social_care", "Adult social care", 1, {
        "source_id": "Client ID", "given_name": "Forename", "surname": "Surname", "date_of_birth": "DOB",
        "address_line_1": "Address 1", "address_line_2": "Address 2", "town": "Town", "postcode": "Postcode",
        "email": "Email", "phone": "Phone",
    }),
    ("housing", "Housing", 2, {
        "source_id": "tenancy_person_ref", "given_name": "first_name", "surname": "last_name",
        "date_of_birth": "birth_date", "address_line_1": "addr1", "address_line_2": "addr2", "town": "town",
        "postcode": "postcode", "email": "email", "phone": "tel",
    }),
    ("council_tax", "Council tax", 3, {
        "source_id": "Account Person", "given_name": "Forenames", "surname": "Surname",
        "date_of_birth": "Date of Birth", "address_line_1": "Property Line 1", "address_line_2": "Property Line 2",
        "town": "Property Town", "postcode": "Property Postcode", "email": "Email Address", "phone": "Telephone",
    }),
    ("waste", "Garden waste subscriptions", 4, {
        "source_id": "subscriber_id", "given_name": "first", "surname": "last", "date_of_birth": "dob",
        "address_line_1": "street_address", "address_line_2": "locality", "town": "town", "postcode": "post_code",
        "email": "email", "phone": "mobile",
    }),
)  # fmt: skip
# Each demo source's entry in the information asset register (townhall/demo/information_assets.py):
# its field rules are the standards data quality checks, its owner the team issues go to.
DEMO_SOURCE_ASSETS: dict[str, str] = {
    "adult_social_care": "Adult social care case records",
    "housing": "Housing register",
    "council_tax": "Council tax system",
    "waste": "Garden waste subscriptions",
}
SOURCE_RECORDS: dict[str, int] = {Scale.SMALL: 2_000, Scale.MEDIUM: 20_000, Scale.LARGE: 60_000}


def demo_citizen_index_create(*, seed: int, scale: Scale | str) -> LinkageRun:
    """Create the four source systems, load their synthetic extracts, run linkage once and measure data quality."""
    mappings = {code: mapping for code, _name, _rank, mapping in DEMO_SOURCE_SYSTEMS}
    extracts = people_selectors.synthetic_source_extracts(
        records=SOURCE_RECORDS[Scale(scale)], seed=seed, mappings=mappings, hard_cases=True
    )
    for code, name, rank, mapping in DEMO_SOURCE_SYSTEMS:
        source = people_services.source_system_create(code=code, name=name, trust_rank=rank, column_mapping=mapping)
        people_services.source_system_asset_set(source=source, asset_name=DEMO_SOURCE_ASSETS[code])
        report = people_services.load_batch_import(
            source=source, file=io.BytesIO(extracts.files[code]), file_name=f"{code}-extract.csv"
        )
        if not report.ok:  # the generator writes valid extracts; anything else is a bug
            raise RuntimeError(f"demo extract {code} was refused: {'; '.join(report.lines()[:3])}")
    run = people_services.linkage_run()
    people_services.data_quality_measure(run=run)
    return run
