"""`townhall waste import-rounds` and `import-assignments`: every bad row reported, nothing half-written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.service_requests.conftest import Borough
from tests.waste.conftest import UPRN_12, UPRN_14, UPRN_MILL, Rounds
from townhall.audit.models import AuditEntry
from townhall.waste import services
from townhall.waste.importers import ImportRejectedError
from townhall.waste.models import CollectionRound, RoundAssignment

GOOD_ROUNDS = """code,name,service,weekday,frequency,reference_date,ward,holiday_rule
REF-MON,Monday general waste,refuse,Monday,fortnightly,2026-01-05,E05099901,
REC-MON,Monday recycling,Recycling,mon,Fortnightly,12/01/2026,E05099901,next_day
FOOD-MON,Monday food,food,Monday,weekly,2026-01-05,,
GARDEN-3,Garden every three weeks,garden waste,Tuesday,every 3 weeks,2026-01-06,,
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rejected(*, importer: Callable[..., object], lines: str) -> list[str]:
    """The problems an import reports, as the command prints them."""
    with pytest.raises(ImportRejectedError) as caught:
        importer(acting_user=None, lines=lines.splitlines(keepends=True), file_name="test.csv")
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.django_db
def test_rounds_import_creates_then_updates_by_code(addresses: Borough, tmp_path: Path, capsys) -> None:
    call_command("waste", "import-rounds", str(write(tmp_path, "rounds.csv", GOOD_ROUNDS)))
    assert "4 created, 0 updated" in capsys.readouterr().out
    recycling = CollectionRound.objects.get(code="REC-MON")
    assert (recycling.service, recycling.weekday, recycling.interval_weeks) == ("recycling", 0, 2)
    assert recycling.reference_date == dt.date(2026, 1, 12)
    assert recycling.holiday_rule == "next_day"
    assert recycling.ward == addresses.northfield
    assert CollectionRound.objects.get(code="GARDEN-3").interval_weeks == 3
    assert AuditEntry.objects.filter(action="waste.rounds.imported", object_id="rounds.csv").count() == 1

    changed = GOOD_ROUNDS.replace("Monday food,food,Monday,weekly", "Monday food waste,food,Monday,weekly")
    call_command("waste", "import-rounds", str(write(tmp_path, "rounds.csv", changed)))
    assert "0 created, 1 updated" in capsys.readouterr().out
    assert CollectionRound.objects.get(code="FOOD-MON").name == "Monday food waste"


@pytest.mark.django_db
def test_rounds_import_reports_every_bad_row_and_writes_nothing(addresses: Borough) -> None:
    text = """code,name,service,weekday,frequency,reference_date,ward
REF-MON,Monday general waste,refuse,Monday,fortnightly,2026-01-05,E05099901
bad code!,Bad,rubbish,Someday,monthly,2026-02-30,E05000000
REC-TUE,Tuesday recycling,recycling,Tuesday,every 9 weeks,2026-01-05,
REF-MON,Again,refuse,Monday,weekly,2026-01-05,
,,food,Friday,weekly,2026-01-09,
FOOD-FRI,Friday food,food,Friday,weekly,2026-01-09,E05099999
"""
    problems = rejected(importer=services.rounds_import, lines=text)
    assert problems == [
        "row 3, CODE 'bad code!': a round code is 1 to 40 letters, digits, dots, dashes or underscores",
        "row 3, SERVICE 'rubbish': the service must be one of refuse, recycling, food, garden",
        "row 3, WEEKDAY 'Someday': the weekday must be a day name, like Monday",
        "row 3, FREQUENCY 'monthly': use weekly, fortnightly or every N weeks (N from 1 to 8)",
        "row 3, REFERENCE_DATE '2026-02-30': give a date the round collects on, like 2026-01-05",
        "row 4, FREQUENCY 'every 9 weeks': use weekly, fortnightly or every N weeks (N from 1 to 8)",
        "row 4, REFERENCE_DATE '2026-01-05': this date is a Monday, not a Tuesday",
        "row 5, CODE 'REF-MON': the same round code is on row 2",
        "row 6, CODE '': a round code is 1 to 40 letters, digits, dots, dashes or underscores",
        "row 6, NAME '': give the round a name of at most 100 characters",
        "row 7, WARD 'E05099999': no ward has this code in the gazetteer",
    ]
    assert not CollectionRound.objects.exists()
    assert not AuditEntry.objects.filter(action="waste.rounds.imported").exists()


@pytest.mark.django_db
def test_rounds_import_needs_its_columns(addresses: Borough) -> None:
    assert rejected(importer=services.rounds_import, lines="code,name\nA,B\n") == [
        "row 1: missing column(s) service, weekday, frequency, reference_date; the header has code, name"
    ]
    assert rejected(importer=services.rounds_import, lines="") == ["row 1: the file is empty: it needs a header row"]


@pytest.mark.django_db
def test_a_round_with_properties_cannot_change_service_and_the_whole_file_rolls_back(
    rounds: Rounds, tmp_path: Path
) -> None:
    text = """code,name,service,weekday,frequency,reference_date
NEW-ONE,New,refuse,Monday,weekly,2026-01-05
FOO-FRI,Friday food,garden,Friday,weekly,2026-12-04
"""
    assert rejected(importer=services.rounds_import, lines=text) == [
        "row 3, SERVICE 'garden': this round has properties on it: it cannot change service"
    ]
    assert not CollectionRound.objects.filter(code="NEW-ONE").exists()  # written first, then rolled back


@pytest.mark.django_db
def test_assignments_import_puts_properties_on_rounds_and_replaces_by_service(rounds: Rounds, tmp_path: Path) -> None:
    CollectionRound.objects.create(
        code="FOO-MON",
        name="Monday food",
        service="food",
        weekday=0,
        interval_weeks=1,
        reference_date=dt.date(2026, 1, 5),
    )
    text = f"UPRN,Round\n{UPRN_MILL},REF-FRI\n{UPRN_MILL},FOO-FRI\n{UPRN_12},FOO-MON\n{UPRN_14},FOO-FRI\n"
    call_command("waste", "import-assignments", str(write(tmp_path, "assignments.csv", text)))
    assert set(RoundAssignment.objects.filter(address_id=UPRN_MILL).values_list("round__code", flat=True)) == {
        "REF-FRI",
        "FOO-FRI",
    }
    on_12 = dict(RoundAssignment.objects.filter(address_id=UPRN_12).values_list("service", "round__code"))
    assert on_12 == {"refuse": "REF-FRI", "recycling": "REC-FRI", "food": "FOO-MON", "garden": "GAR-FRI"}
    entry = AuditEntry.objects.get(action="waste.assignments.imported")
    assert entry.reason == "2 created, 1 updated, 1 unchanged"


@pytest.mark.django_db
def test_assignments_import_reports_every_bad_row_and_writes_nothing(rounds: Rounds) -> None:
    text = f"""uprn,round
{UPRN_MILL},REF-FRI
12AB,REF-FRI
{UPRN_MILL},NO-SUCH
999999999,FOO-FRI
{UPRN_MILL},REF-FRI
{UPRN_MILL},FOO-FRI
{UPRN_MILL},
"""
    problems = rejected(importer=services.assignments_import, lines=text)
    assert problems == [
        "row 3, UPRN '12AB': a UPRN is 1 to 12 digits",
        "row 4, ROUND 'NO-SUCH': no round has this code; import rounds first",
        "row 5, UPRN '999999999': no address has this UPRN in the gazetteer",
        "row 6, UPRN '100000003': the same UPRN and round are on row 2",
        "row 8, ROUND '': give the round code",
    ]
    # Rows 2 and 7 are good, but a file with any problem writes nothing at all.
    assert not RoundAssignment.objects.filter(address_id=UPRN_MILL).exists()


@pytest.mark.django_db
def test_two_rounds_of_one_service_for_a_property_is_refused(rounds: Rounds) -> None:
    CollectionRound.objects.create(
        code="FOO-MON",
        name="Monday food",
        service="food",
        weekday=0,
        interval_weeks=1,
        reference_date=dt.date(2026, 1, 5),
    )
    text = f"uprn,round\n{UPRN_MILL},FOO-FRI\n{UPRN_MILL},FOO-MON\n"
    assert rejected(importer=services.assignments_import, lines=text) == [
        "row 3, ROUND 'FOO-MON': row 2 already puts this UPRN on a Food waste round"
    ]


@pytest.mark.django_db
def test_command_prints_every_problem_and_fails(rounds: Rounds, tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "bad.csv", "uprn,round\nx,REF-FRI\n1,\n")
    with pytest.raises(CommandError, match=r"2 problem\(s\) in bad.csv; nothing was imported"):
        call_command("waste", "import-assignments", str(path))
    err = capsys.readouterr().err
    assert "row 2, UPRN 'x'" in err
    assert "row 3, ROUND ''" in err


@pytest.mark.django_db
def test_dry_run_writes_nothing(addresses: Borough, tmp_path: Path, capsys) -> None:
    call_command("waste", "import-rounds", str(write(tmp_path, "rounds.csv", GOOD_ROUNDS)), "--dry-run")
    assert "Dry run: 4 would be created" in capsys.readouterr().out
    assert not CollectionRound.objects.exists()
    assert not AuditEntry.objects.filter(action="waste.rounds.imported").exists()
