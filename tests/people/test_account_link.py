"""MyAccount holders linked to their citizen when their identity is verified; the golden record in the single view.

Also the review pair's waterfall chart (its steps add up to the pair's weight).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from tests.accounts.conftest import _fresh_cache, make_staff, staff_client  # noqa: F401 - fixtures
from tests.service_requests.conftest import borough  # noqa: F401 - fixture
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.core import personal_data
from townhall.myaccount import services as myaccount_services
from townhall.myaccount.services import DetailsInput
from townhall.people import account_link, selectors, services, waterfall
from townhall.people.models import AccountCitizenLink, Citizen, ReviewPair, SourceRecord, SourceSystem
from townhall.places.models import Address

from .conftest import MAPPINGS, load_synthetic

pytestmark = pytest.mark.django_db

# The resident fixture is Rita Resident; the borough's address 100000001 is 12 Station Road, Demoton, TS40 1AB.
RITA = {"given_name": "Rita", "surname": "Resident", "date_of_birth": "1980-05-17"}
RECORDS: dict[str, list[dict[str, str]]] = {
    "council_tax": [
        # Written as extracts write them: abbreviated street, compact lower-case postcode.
        {"source_id": "CT1", **RITA, "address_line_1": "12 Station Rd", "town": "Demoton", "postcode": "ts401ab"},
        {
            "source_id": "CT2",
            "given_name": "Nasir",
            "surname": "Neighbour",
            "date_of_birth": "1975-02-02",
            "address_line_1": "14 Station Road",
            "town": "Demoton",
            "postcode": "TS40 1AB",
        },
        # Same surname and birthday, another name and address: not her.
        {
            "source_id": "CT3",
            **RITA,
            "given_name": "Ruth",
            "address_line_1": "3 Mill Lane",
            "town": "Otherton",
            "postcode": "TS41 9ZZ",
        },
    ],
    "housing": [
        {
            "source_id": "HO1",
            **RITA,
            "address_line_1": "12 Station Road",
            "town": "Demoton",
            "postcode": "TS40 1AB",
            "email": "rita.golden@example.net",
        },
    ],
}
GOLDEN_EMAIL = "rita.golden@example.net"


def extract(code: str, rows: list[dict[str, str]]) -> bytes:
    mapping = MAPPINGS[code]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(mapping.values())
    for row in rows:
        writer.writerow([row.get(field, "") for field in mapping])
    return buffer.getvalue().encode()


@dataclass(frozen=True)
class Index:
    rita: Citizen  # CT1 + HO1
    nasir: Citizen


@pytest.fixture
def index(sources: dict[str, SourceSystem]) -> Index:
    for code, rows in RECORDS.items():
        report = services.load_batch_import(source=sources[code], file=io.BytesIO(extract(code, rows)), file_name="x")
        assert report.ok, report.lines()
    services.linkage_run()
    ct1 = SourceRecord.objects.get(source_id="CT1")
    ho1 = SourceRecord.objects.get(source_id="HO1")
    ct3 = SourceRecord.objects.get(source_id="CT3")
    assert ct1.citizen_id == ho1.citizen_id != ct3.citizen_id
    nasir = SourceRecord.objects.get(source_id="CT2").citizen
    assert ct1.citizen is not None
    assert nasir is not None
    return Index(rita=ct1.citizen, nasir=nasir)


@pytest.fixture
def rita_at_home(resident: User, borough) -> User:  # noqa: F811
    myaccount_services.details_update(
        acting_user=resident,
        user=resident,
        values=DetailsInput(given_name="Rita", family_name="Resident", phone="", date_of_birth=dt.date(1980, 5, 17)),
    )
    myaccount_services.address_change(
        acting_user=resident,
        user=resident,
        address=Address.objects.get(uprn=100_000_001),
        effective_from=timezone.localdate(),
    )
    return resident


@pytest.fixture
def officer(make_staff: Callable[..., User]) -> User:  # noqa: F811
    return make_staff(StaffRole.CUSTOMER_SERVICE_ADVISER, email="checker@council.example", mfa=False)


def _verify(officer: User, user: User) -> None:
    myaccount_services.identity_verify_by_staff(acting_user=officer, user=user, evidence="Passport")


def test_verification_links_the_account_to_the_one_matching_citizen(
    index: Index, rita_at_home: User, officer: User
) -> None:
    assert not AccountCitizenLink.objects.exists(), "nothing is linked before the identity is verified"
    _verify(officer, rita_at_home)

    link = AccountCitizenLink.objects.get(user=rita_at_home)
    assert link.outcome == "linked"
    assert link.citizen == index.rita
    assert link.score == 1.0
    assert link.method.startswith("staff_evidence:")
    entry = AuditEntry.objects.get(action="people.account_link.linked", object_id=str(rita_at_home.pk))
    assert entry.object_type == "accounts.user"
    assert entry.reason == index.rita.citizen_id
    assert entry.actor_id == officer.pk
    record = selectors.account_council_record(user=rita_at_home)
    assert record.linked
    values = {field.label: (field.value, field.source) for field in record.fields}
    assert values["Email"] == (GOLDEN_EMAIL, "Housing")
    assert values["Date of birth"][0] == "17 May 1980"


def test_the_rule_normalises_like_the_linkage_and_scores_a_nickname_lower() -> None:
    facts = account_link.AccountFacts(
        given_name="Bob",
        family_name="O'Brien",
        date_of_birth=dt.date(1970, 1, 2),
        postcode="TS40 1AB",
        address_lines=("Flat 2", "12 Station Road", "Demoton"),
    )

    def candidate(pk: int, given: str, line: str, postcode: str = "ts401ab") -> account_link.Candidate:
        return account_link.Candidate(pk, given, "OBrien", dt.date(1970, 1, 2), line, postcode)

    assert account_link.matches(facts, [candidate(1, "Bob", "12 Station Rd")]) == {1: 1.0}
    assert account_link.matches(facts, [candidate(2, "Robert", "12 Station Road")]) == {2: account_link.NICKNAME_SCORE}
    assert account_link.matches(facts, [candidate(3, "Alice", "12 Station Road")]) == {}
    assert account_link.matches(facts, [candidate(4, "Bob", "14 Station Road")]) == {}
    assert account_link.matches(facts, [candidate(5, "Bob", "12 Station Road", "TS40 1AC")]) == {}
    incomplete = account_link.AccountFacts("Bob", "O'Brien", None, "TS40 1AB", ("12 Station Road",))
    assert account_link.matches(incomplete, [candidate(6, "Bob", "12 Station Road")]) == {}


def test_no_match_links_nobody_and_the_single_view_says_so(
    index: Index,
    rita_at_home: User,
    officer: User,
    staff_client,  # noqa: F811
) -> None:
    rita_at_home.family_name = "Someone-Else"
    rita_at_home.save()
    _verify(officer, rita_at_home)
    link = AccountCitizenLink.objects.get(user=rita_at_home)
    assert (link.outcome, link.citizen, link.candidates) == ("not_found", None, 0)
    assert AuditEntry.objects.filter(action="people.account_link.not_found").exists()
    assert not selectors.account_is_linked(user_id=rita_at_home.pk)

    client, _adviser = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)
    page = client.post(f"/staff/residents/{rita_at_home.pk}/", {"reason": "contacted"}).content.decode()
    assert "Council records (Citizen Index)" in page
    assert "no citizen's council records matched" in page
    assert GOLDEN_EMAIL not in page
    assert not AuditEntry.objects.filter(action="people.goldenrecord.viewed").exists()


def test_an_incomplete_account_is_not_matched(index: Index, resident: User, officer: User) -> None:
    _verify(officer, resident)  # no date of birth, no address
    assert AccountCitizenLink.objects.get(user=resident).outcome == "not_found"


def test_two_matching_citizens_are_ambiguous_and_link_nobody(
    index: Index,
    rita_at_home: User,
    officer: User,
    staff_client,  # noqa: F811
) -> None:
    steward = User.objects.create(email="steward@council.example")
    ho1 = SourceRecord.objects.get(source_id="HO1")
    services.citizen_split(
        acting_user=steward, citizen_id=index.rita.citizen_id, source_record_pks=[ho1.pk], reason="two people"
    )
    _verify(officer, rita_at_home)

    link = AccountCitizenLink.objects.get(user=rita_at_home)
    assert (link.outcome, link.citizen, link.candidates) == ("ambiguous", None, 2)
    client, _adviser = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)
    page = client.post(f"/staff/residents/{rita_at_home.pk}/", {"reason": "contacted"}).content.decode()
    assert "more than one citizen" in page
    assert GOLDEN_EMAIL not in page


def test_the_link_follows_a_merge(index: Index, rita_at_home: User, officer: User) -> None:
    steward = User.objects.create(email="steward@council.example")
    _verify(officer, rita_at_home)
    ho1 = SourceRecord.objects.get(source_id="HO1")
    other = services.citizen_split(
        acting_user=steward, citizen_id=index.rita.citizen_id, source_record_pks=[ho1.pk], reason="checked"
    )
    services.citizen_merge(acting_user=steward, citizen_ids=[other.citizen_id, index.rita.citizen_id], reason="same")

    index.rita.refresh_from_db()
    assert index.rita.status == "retired"
    record = selectors.account_council_record(user=rita_at_home)
    assert record.link is not None
    assert record.link.citizen == index.rita
    assert record.citizen == other
    assert record.golden is not None
    assert record.golden.citizen == other
    assert selectors.account_is_linked(user_id=rita_at_home.pk)


def test_the_single_view_shows_the_golden_record_and_audits_it(
    index: Index,
    rita_at_home: User,
    other_resident: User,
    officer: User,
    staff_client,  # noqa: F811
) -> None:
    _verify(officer, rita_at_home)
    client, adviser = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)

    page = client.post(f"/staff/residents/{rita_at_home.pk}/", {"reason": "contacted"}).content.decode()
    assert "Council records (Citizen Index)" in page
    assert index.rita.citizen_id in page
    assert GOLDEN_EMAIL in page
    assert "Housing" in page
    assert "Nasir" not in page
    entry = AuditEntry.objects.get(action="people.goldenrecord.viewed")
    assert (entry.actor_id, entry.object_id) == (adviser.pk, index.rita.citizen_id)

    # Showing the reason form shows nothing and audits nothing.
    assert GOLDEN_EMAIL not in client.get(f"/staff/residents/{rita_at_home.pk}/").content.decode()
    assert AuditEntry.objects.filter(action="people.goldenrecord.viewed").count() == 1
    # Advisers see the index only through the single view.
    assert client.get(f"/staff/citizen-index/citizens/{index.rita.citizen_id}/").status_code == 404


def test_another_residents_golden_record_is_never_shown(
    index: Index,
    rita_at_home: User,
    other_resident: User,
    officer: User,
    staff_client,  # noqa: F811
) -> None:
    """The neighbour shares Rita's address and is unverified: their view shows no council records at all."""
    myaccount_services.address_change(
        acting_user=other_resident,
        user=other_resident,
        address=Address.objects.get(uprn=100_000_001),
        effective_from=timezone.localdate(),
    )
    _verify(officer, rita_at_home)
    client, _adviser = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)
    page = client.post(f"/staff/residents/{other_resident.pk}/", {"reason": "contacted"}).content.decode()
    assert "Not linked" in page
    assert GOLDEN_EMAIL not in page
    assert index.rita.citizen_id not in page
    assert index.nasir.citizen_id not in page, "the neighbour is in the index but their account is not verified"
    assert not selectors.account_council_record(user=other_resident).linked

    resident_client = Client()
    resident_client.force_login(other_resident)
    assert "linked to your council records" not in resident_client.get("/account/details/").content.decode()


def test_the_resident_sees_that_their_account_is_linked(index: Index, rita_at_home: User, officer: User) -> None:
    client = Client()
    client.force_login(rita_at_home)
    assert "Your account is linked to your council records" not in client.get("/account/details/").content.decode()
    _verify(officer, rita_at_home)
    page = client.get("/account/details/").content.decode()
    assert "Your account is linked to your council records" in page
    assert GOLDEN_EMAIL not in page, "the resident page says the link exists, not what the records hold"


def test_a_postal_pin_verification_links_too(index: Index, rita_at_home: User) -> None:
    from django.db import transaction

    from townhall.myaccount.models import IdentityPin
    from townhall.myaccount.services import identity

    with transaction.atomic():
        letter = myaccount_services.identity_pin_post(acting_user=rita_at_home, user=rita_at_home)
    # The PIN itself is only in the letter; set a known one the way the service stores it.
    IdentityPin.objects.filter(pk=letter.pk).update(pin_digest=identity._pin_digest("ABCD2345"))
    myaccount_services.identity_pin_confirm(user=rita_at_home, pin="ABCD-2345")
    link = AccountCitizenLink.objects.get(user=rita_at_home)
    assert (link.outcome, link.citizen) == ("linked", index.rita)
    assert link.method.startswith("postal_pin:")


def test_the_link_is_in_the_residents_data_and_erased_with_it(
    index: Index, rita_at_home: User, other_resident: User, officer: User
) -> None:
    _verify(officer, rita_at_home)
    link = AccountCitizenLink.objects.get(user=rita_at_home)
    assert "people.AccountCitizenLink.user" in personal_data.covered_fields()

    exported = personal_data.collect_all(rita_at_home)["Your council records"]
    [row] = exported["Link between your account and your council records"]
    assert row["id"] == link.pk
    assert row["citizen_id"] == index.rita.pk
    assert row["outcome"] == "linked"
    assert personal_data.collect_all(other_resident)["Your council records"] == {
        "Link between your account and your council records": []
    }

    [provider] = [p for p in personal_data.providers() if p.label == "Your council records"]
    [item] = provider.erase(rita_at_home)
    assert (item.action, item.count) == ("deleted", 1)
    assert not AccountCitizenLink.objects.filter(user=rita_at_home).exists()
    assert Citizen.objects.filter(pk=index.rita.pk).exists(), "the council's own records stay with their systems"


# ---------------------------------------------------------------------------------------------
# The review waterfall


def test_the_waterfall_steps_add_up_to_each_pairs_match_weight(sources: dict[str, SourceSystem]) -> None:
    load_synthetic(sources, records=300, seed=4)
    services.linkage_run()
    pairs = list(ReviewPair.objects.exclude(explanation=[]))
    assert pairs, "a run over synthetic records leaves some pairs for review"
    for pair in pairs:
        assert pair.match_weight is not None
        spec = waterfall.waterfall_spec(pair.explanation, match_probability=pair.match_probability)
        assert waterfall.spec_total(spec) == pytest.approx(pair.match_weight, abs=1e-6)
        bars = spec["data"]["values"]
        assert bars[0]["step"] == "Prior"
        assert bars[-1]["step"] == waterfall.FINAL_LABEL
        for before, after in itertools.pairwise(bars[:-1]):
            assert after["start"] == pytest.approx(before["end"]), "each bar starts where the last ended"
        assert f"match probability {pair.match_probability:.3f}" in spec["title"]["text"]


def test_bars_are_green_for_and_red_against() -> None:
    steps = [
        {"comparison": "prior", "label": "Chance", "match_weight": -10.0},
        {"comparison": "surname", "label": "Exact", "match_weight": 8.5},
        {"comparison": "date_of_birth", "label": "Different", "match_weight": -3.0},
    ]
    bars = waterfall.waterfall_bars(steps)
    assert [(b["step"], b["kind"], b["start"], b["end"]) for b in bars] == [
        ("Prior", "Prior", 0.0, -10.0),
        ("Surname", "For a match", -10.0, -1.5),
        ("Date of birth", "Against a match", -1.5, -4.5),
        (waterfall.FINAL_LABEL, "Final weight", 0.0, -4.5),
    ]
    spec = waterfall.waterfall_spec(steps, match_probability=None)
    assert f"{waterfall.probability_from_weight(-4.5):.3f}" in spec["title"]["text"]
    colours = spec["layer"][0]["encoding"]["color"]["scale"]
    assert dict(zip(colours["domain"], colours["range"], strict=True))["Against a match"] == "#d4351c"
    assert dict(zip(colours["domain"], colours["range"], strict=True))["For a match"] == "#00703c"


def test_the_pair_page_draws_the_waterfall_hidden_from_assistive_tech(
    sources: dict[str, SourceSystem],
    staff_client,  # noqa: F811
) -> None:
    load_synthetic(sources, records=150, seed=9)
    services.linkage_run()
    low, high = SourceRecord.objects.order_by("pk")[:2]
    pair = ReviewPair.objects.create(
        record_low=low,
        record_high=high,
        match_probability=0.8,
        match_weight=2.0,
        explanation=[
            {"comparison": "prior", "label": "Chance two records are one person", "match_weight": -10.0},
            {"comparison": "surname", "label": "Exact match on surname", "match_weight": 12.0},
        ],
    )
    client, _steward = staff_client(StaffRole.DATA_STEWARD)
    page = client.get(f"/staff/citizen-index/review/{pair.pk}/").content.decode()
    assert '<div class="people-waterfall" aria-hidden="true"' in page
    assert "<svg" in page
    assert "Match weight 2.0, match probability 0.800" in page
    assert "Match weight by comparison" in page, "the table stays, as the accessible version"
    # A decided pair from a manual merge has no explanation: no chart, the page still works.
    ReviewPair.objects.filter(pk=pair.pk).update(explanation=[])
    page = client.get(f"/staff/citizen-index/review/{pair.pk}/").content.decode()
    assert "people-waterfall" not in page
