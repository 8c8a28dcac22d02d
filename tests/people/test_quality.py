"""Data quality of the Citizen Index: figures, issues found and closed again, marking corrected, the pages."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.people.quality_support import direct_figures, page_figures
from tests.service_requests.conftest import sign_in_with_mfa
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.catalogue import services as catalogue_services
from townhall.catalogue.constants import Classification, RuleKind
from townhall.people import quality, selectors, services
from townhall.people.constants import DataQualityIssueKind
from townhall.people.models import Citizen, DataQualityIssue, DataQualitySnapshot, SourceRecord, SourceSystem

Person = Callable[[StaffRole], Client]
MAPPING = {
    "source_id": "id",
    "given_name": "first",
    "surname": "last",
    "date_of_birth": "dob",
    "postcode": "pc",
    "phone": "tel",
}
HEADER = "id,first,last,dob,pc,tel\n"
HOUSING = HEADER + (
    "H1,Ann,Smith,1980-01-01,TS1 1AA,01632 960001\n"
    "H2,Ann,Smith,1980-01-01,NOTAPC,\n"  # invalid postcode; a second housing record of citizen 1
    "H3,Bob,Jones,,,12345\n"  # no date of birth or postcode (both required), a phone that is no number
)
WASTE = HEADER + (
    "W1,Ann,Smyth,1980-01-02,TS1 1AA,\n"  # surname and date of birth differ from housing's
    "W2,Bob,Jones,1975-05-05,,\n"
)


def _load(source: SourceSystem, text: str) -> None:
    report = services.load_batch_import(source=source, file=io.BytesIO(text.encode()), file_name="x.csv")
    assert report.ok, report.lines()


@pytest.fixture
def index(db: None) -> dict[str, SourceSystem]:
    """Housing (with the register's standards) and garden waste (no register entry), linked by hand."""
    team = account_services.team_get_or_create(name="Housing Needs")
    asset = catalogue_services.asset_create(
        acting_user=None,
        fields=catalogue_services.AssetFields(
            name="Housing register",
            kind="system",
            purpose="Applications for social housing.",
            owner_role="Head of Housing Needs",
            location="Cloud",
            format="Database",
            classification=Classification.OFFICIAL,
            owner_team=team,
        ),
    )
    for field_name, name, kind, required in (
        ("postcode", "UK postcode", RuleKind.UK_POSTCODE, True),
        ("date_of_birth", "Date", RuleKind.ISO_DATE, True),
        ("phone", "UK telephone number", RuleKind.UK_PHONE, False),
        ("uprn", "UPRN", RuleKind.UPRN, True),  # a field the index does not hold: not checked
    ):
        standard = catalogue_services.standard_create(acting_user=None, name=name, kind=kind)
        catalogue_services.field_rule_add(
            acting_user=None, asset=asset, field_name=field_name, standard=standard, required=required
        )
    housing = services.source_system_create(code="housing", name="Housing", trust_rank=1, column_mapping=MAPPING)
    services.source_system_asset_set(source=housing, asset_name="Housing register")
    waste = services.source_system_create(code="waste", name="Garden waste", trust_rank=2, column_mapping=MAPPING)
    _load(housing, HOUSING)
    _load(waste, WASTE)
    first = Citizen.objects.create(citizen_id="CIT-0000-0000-0001")
    second = Citizen.objects.create(citizen_id="CIT-0000-0000-0002")
    SourceRecord.objects.filter(source_id__in=["H1", "H2", "W1"]).update(citizen=first)
    SourceRecord.objects.filter(source_id__in=["H3", "W2"]).update(citizen=second)
    return {"housing": housing, "waste": waste}


def _open(**filters: object) -> set[tuple[str, str, str]]:
    return {
        (i.kind, i.record.source_id, i.field)
        for i in DataQualityIssue.objects.filter(corrected_at__isnull=True, **filters).select_related("record")
    }


def test_figures_and_issues_by_hand(index: dict[str, SourceSystem]) -> None:
    snapshots = {s.source.code: s for s in services.data_quality_measure()}
    housing, waste = snapshots["housing"], snapshots["waste"]
    assert housing.records == 3
    assert housing.completeness["given_name"] == [3, 3]
    assert housing.completeness["date_of_birth"] == [2, 3]
    assert housing.completeness["postcode"] == [2, 3]
    assert housing.completeness["email"] == [0, 3]
    # Required fields are checked on every record; optional ones only where present.
    assert housing.validity == {"postcode": [1, 3], "date_of_birth": [2, 3], "phone": [1, 2]}
    assert housing.duplicates == 1
    assert housing.conflicts == 4  # H1 and H2: surname and date of birth against W1
    assert waste.validity == {}
    assert waste.conflicts == 2  # W1: surname and date of birth
    assert waste.duplicates == 0
    invalid, duplicate, conflict = (
        DataQualityIssueKind.INVALID,
        DataQualityIssueKind.DUPLICATE,
        DataQualityIssueKind.CONFLICT,
    )
    assert _open() == {
        (invalid, "H2", "postcode"),
        (invalid, "H3", "postcode"),
        (invalid, "H3", "date_of_birth"),
        (invalid, "H3", "phone"),
        (duplicate, "H2", ""),
        (conflict, "H1", "surname"),
        (conflict, "H2", "surname"),
        (conflict, "H1", "date_of_birth"),
        (conflict, "H2", "date_of_birth"),
        (conflict, "W1", "surname"),
        (conflict, "W1", "date_of_birth"),
    }
    assert housing.issues_open == 9
    assert waste.issues_open == 2
    # Details say what is wrong without quoting the value.
    details = " ".join(DataQualityIssue.objects.values_list("detail", flat=True))
    assert "NOTAPC" not in details
    assert "Smyth" not in details
    for code, source in index.items():
        direct = direct_figures(source)
        snapshot = snapshots[code]
        assert direct.records == snapshot.records
        assert direct.filled == {name: counts[0] for name, counts in snapshot.completeness.items()}
        assert direct.valid == {name: tuple(counts) for name, counts in snapshot.validity.items()}
        assert direct.duplicates == snapshot.duplicates
        assert direct.conflicts == snapshot.conflicts


def test_fixed_at_source_issues_close_on_the_next_measurement(index: dict[str, SourceSystem]) -> None:
    services.data_quality_measure()
    kept = DataQualityIssue.objects.get(record__source_id="H3", field="postcode")
    fixed = DataQualityIssue.objects.get(record__source_id="H2", field="postcode")
    _load(index["housing"], HOUSING.replace("NOTAPC", "TS1 1AB"))
    later = timezone.now() + dt.timedelta(days=3)
    DataQualityIssue.objects.filter(pk=fixed.pk).update(detected_at=later - dt.timedelta(days=3))
    services.data_quality_measure()
    fixed.refresh_from_db()
    kept.refresh_from_db()
    assert fixed.corrected_at is not None
    assert not fixed.corrected_manually
    assert kept.corrected_at is None  # still wrong: the same issue stays open, not a new one
    assert DataQualityIssue.objects.filter(record__source_id="H3", field="postcode").count() == 1
    assert DataQualitySnapshot.objects.filter(source=index["housing"]).count() == 2
    latest = DataQualitySnapshot.objects.filter(source=index["housing"]).order_by("-measured_at", "-pk").first()
    assert latest is not None
    assert latest.validity["postcode"] == [2, 3]
    assert latest.issues_open == 8
    assert latest.issues_corrected == 1
    timing = selectors.data_quality_time_to_correct()
    assert timing.corrected == 1
    assert timing.median_days == timing.mean_days
    # A deleted record's issues close too (full extract without H3).
    _load(index["housing"], HEADER + "H1,Ann,Smith,1980-01-01,TS1 1AA,01632 960001\nH2,Ann,Smith,1980-01-01,TS1 1AB,\n")
    services.data_quality_measure()
    assert _open(record__source_id="H3") == set()


def test_time_to_correct_median_and_mean() -> None:
    result = quality.time_to_correct([dt.timedelta(days=1), dt.timedelta(days=2), dt.timedelta(days=6)])
    assert (result.corrected, result.median_days, result.mean_days) == (3, 2, 3)
    assert quality.time_to_correct([]).median_days is None


@pytest.fixture
def person(staff_by_role: dict[StaffRole, User]) -> Person:
    return lambda role: sign_in_with_mfa(Client(), staff_by_role[role])


def test_dashboard_shows_the_directly_counted_figures(person: Person, index: dict[str, SourceSystem]) -> None:
    services.data_quality_measure()
    html = person(StaffRole.INFORMATION_GOVERNANCE_OFFICER).get("/staff/citizen-index/quality/").content.decode()
    shown = page_figures(html)
    for code, source in index.items():
        direct = direct_figures(source)
        assert shown[code]["records"] == str(direct.records)
        assert shown[code]["duplicates"] == str(direct.duplicates)
        assert shown[code]["conflicts"] == str(direct.conflicts)
        assert {k: v[0] for k, v in shown[code]["filled"].items()} == direct.filled
        assert shown[code]["valid"] == direct.valid
    assert "Housing Needs" in html  # the owner team from the register
    assert shown["housing"]["validity"] == "50.0%"  # 1 + 2 + 1 valid of 3 + 3 + 2 checked
    assert "Smith" not in html
    assert "H2" not in html


def test_steward_marks_an_issue_corrected(person: Person, index: dict[str, SourceSystem]) -> None:
    services.data_quality_measure()
    issue = DataQualityIssue.objects.get(record__source_id="H3", field="phone")
    path = f"/staff/citizen-index/quality/issues/{issue.pk}/"
    governance = person(StaffRole.INFORMATION_GOVERNANCE_OFFICER)
    page = governance.get(path).content.decode()
    assert "12345" in page
    assert "Mark corrected" not in page
    assert governance.post(path + "correct/").status_code == 404
    steward = person(StaffRole.DATA_STEWARD)
    assert "Mark corrected" in steward.get(path).content.decode()
    assert AuditEntry.objects.filter(action="people.dataqualityissue.viewed", object_id=str(issue.pk)).count() == 2
    response = steward.post(path + "correct/")
    assert response.status_code == 302
    assert response["Location"] == path
    issue.refresh_from_db()
    assert issue.corrected_at is not None
    assert issue.corrected_manually
    assert AuditEntry.objects.filter(action="people.data_quality_issue.corrected", object_id=str(issue.pk)).exists()
    assert "already marked corrected" in steward.post(path + "correct/", follow=True).content.decode()
    # The value is still wrong at source: the next measurement opens a new issue for it.
    services.data_quality_measure()
    assert DataQualityIssue.objects.filter(record__source_id="H3", field="phone", corrected_at__isnull=True).exists()
    assert DataQualityIssue.objects.filter(record__source_id="H3", field="phone").count() == 2


def test_issues_list_filters_and_pages(person: Person, index: dict[str, SourceSystem]) -> None:
    services.data_quality_measure()
    client = person(StaffRole.DATA_STEWARD)
    html = client.get("/staff/citizen-index/quality/issues/").content.decode()
    assert "11 issues." in html
    path = f"/staff/citizen-index/quality/issues/?source={index['waste'].pk}&kind=&status=open"
    assert "2 issues." in client.get(path).content.decode()
    html = client.get("/staff/citizen-index/quality/issues/?kind=invalid&status=all").content.decode()
    assert "4 issues." in html
    assert "NOTAPC" not in html
    assert "Smith" not in html
    response = client.get("/staff/citizen-index/quality/issues/?kind=nonsense")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert client.get("/staff/citizen-index/quality/issues/?page=99").status_code == 200


def test_paging(person: Person, index: dict[str, SourceSystem], monkeypatch: pytest.MonkeyPatch) -> None:
    from townhall.people import quality_views

    monkeypatch.setattr(quality_views, "PAGE_SIZE", 5)
    services.data_quality_measure()
    client = person(StaffRole.DATA_STEWARD)
    first = client.get("/staff/citizen-index/quality/issues/?status=open").content.decode()
    third = client.get("/staff/citizen-index/quality/issues/?status=open&page=3").content.decode()
    assert first.count("(issue ") == 5
    assert third.count("(issue ") == 1
    assert 'href="?status=open&amp;page=2"' in first


QUALITY_PAGES = ["/staff/citizen-index/quality/", "/staff/citizen-index/quality/issues/"]


def test_anonymous_and_other_staff_are_kept_out(client: Client, person: Person, index: dict[str, SourceSystem]) -> None:
    services.data_quality_measure()
    issue = DataQualityIssue.objects.order_by("pk").first()
    assert issue is not None
    pages = [*QUALITY_PAGES, f"/staff/citizen-index/quality/issues/{issue.pk}/"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/auth/login/" in response["Location"], path
    for role in (StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.CASE_OFFICER, StaffRole.TEAM_MANAGER):
        other = person(role)
        for path in pages:
            assert other.get(path).status_code == 404, (role, path)
        assert other.post(f"/staff/citizen-index/quality/issues/{issue.pk}/correct/").status_code == 404
    steward = person(StaffRole.DATA_STEWARD)
    assert steward.get("/staff/citizen-index/quality/issues/999999/").status_code == 404
    assert steward.post("/staff/citizen-index/quality/issues/999999/correct/").status_code == 404
    assert steward.get(f"/staff/citizen-index/quality/issues/{issue.pk}/correct/").status_code == 405


def test_the_link_command_measures_data_quality(index: dict[str, SourceSystem]) -> None:
    out = io.StringIO()
    call_command("people", "link", stdout=out)
    assert "Data quality measured for 2 sources" in out.getvalue()
    snapshots = DataQualitySnapshot.objects.filter(run__isnull=False)
    assert snapshots.count() == 2
    assert AuditEntry.objects.filter(action="people.data_quality.measured").count() == 1


def test_open_issues_and_corrections_over_time(index: dict[str, SourceSystem]) -> None:
    services.data_quality_measure()
    issue = DataQualityIssue.objects.get(record__source_id="H3", field="phone")
    start = issue.detected_at
    DataQualityIssue.objects.filter(pk=issue.pk).update(corrected_at=start + dt.timedelta(days=2))
    assert selectors.data_quality_issues_open_at(start) == 0
    assert selectors.data_quality_issues_open_at(start + dt.timedelta(days=1)) == 11
    assert selectors.data_quality_issues_open_at(start + dt.timedelta(days=3)) == 10
    count, days = selectors.data_quality_corrections(start=start, end=start + dt.timedelta(days=7))
    assert (count, days) == (1, 2.0)
    assert selectors.data_quality_corrections(start=start, end=start + dt.timedelta(days=1)) == (0, 0)


def test_pages_before_anything_is_measured(person: Person) -> None:
    client = person(StaffRole.DATA_STEWARD)
    assert "No source systems yet" in client.get("/staff/citizen-index/quality/").content.decode()
    assert "0 issues." in client.get("/staff/citizen-index/quality/issues/").content.decode()
    source = services.source_system_create(code="waste", name="Garden waste", trust_rank=2, column_mapping=MAPPING)
    html = client.get("/staff/citizen-index/quality/").content.decode()
    assert "Not measured yet" in html
    assert "has not been measured yet" in html
    services.data_quality_measure()
    shown = page_figures(client.get("/staff/citizen-index/quality/").content.decode())
    assert shown[source.code]["records"] == "0"
    assert shown[source.code]["load-age"] == "Never loaded"
