"""`townhall createstaff`: a member of staff with a one-time password, audited; any error writes nothing."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from django.urls import reverse

from townhall.accounts import services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import StaffRoleAssignment, Team, User
from townhall.audit.models import AuditEntry

PASSWORD_LINE = re.compile(r"^One-time password: (\S+)$", re.MULTILINE)


def run(*args: str) -> str:
    out = StringIO()
    call_command("createstaff", *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[int, ...]:
    return (
        User.objects.count(),
        EmailAddress.objects.count(),
        StaffRoleAssignment.objects.count(),
        Team.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.django_db
def test_creates_a_member_of_staff_with_a_one_time_password(client):
    output = run(
        "--email",
        " Casey.Officer@Council.Example ",
        "--role",
        "case_officer",
        "--team",
        "Highways North",
        "--given-name",
        "Casey",
        "--family-name",
        "Officer",
    )

    user = User.objects.get()
    assert user.email == "casey.officer@council.example"
    assert (user.given_name, user.family_name) == ("Casey", "Officer")
    assert list(user.role_assignments.values_list("role", flat=True)) == ["case_officer"]
    assert [team.name for team in user.teams.all()] == ["Highways North"]
    assert EmailAddress.objects.get(user=user).verified
    assert not Authenticator.objects.filter(user=user).exists(), "they set up their own authenticator"
    assert f"(user id {user.pk})" in output
    assert "Roles: Case officer" in output
    assert "Team: Highways North" in output
    (password,) = PASSWORD_LINE.findall(output)
    assert len(password) >= 20
    assert user.check_password(password)
    assert output.count(password) == 1

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_id) == ("staff.created", "accounts.user", str(user.pk))
    assert entry.actor_id is None
    assert entry.actor_role == "system"
    assert "casey" not in entry.reason.lower()

    # The password signs them in, and the staff area sends them to set up their authenticator.
    response = client.post("/auth/login/", {"login": user.email, "password": password})
    assert response.status_code == 302
    assert client.get("/staff/")["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_every_password_is_different():
    first = PASSWORD_LINE.findall(run("--email", "a@council.example", "--role", "case_officer"))
    second = PASSWORD_LINE.findall(run("--email", "b@council.example", "--role", "case_officer"))
    assert first != second


@pytest.mark.django_db
def test_several_roles_and_an_existing_team():
    team = services.team_get_or_create(name="Information Governance")

    output = run(
        "--email",
        "ig@council.example",
        "--role",
        "information_governance_officer",
        "--role",
        "data_steward",
        "--team",
        "information governance",
    )

    user = User.objects.get(email="ig@council.example")
    roles = set(user.role_assignments.values_list("role", flat=True))
    assert roles == {"information_governance_officer", "data_steward"}
    assert list(user.teams.all()) == [team]
    assert Team.objects.count() == 1
    assert "Roles: Data steward, Information governance officer" in output


@pytest.mark.django_db
def test_without_a_team():
    output = run("--email", "admin@council.example", "--role", "administrator")
    assert "Team: none" in output
    assert not Team.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-email", "--role", "case_officer"], "'not-an-email' is not a valid email address"),
        (["--email", "x@council.example", "--role", "boss"], "Unknown role 'boss'. Roles are: customer_service_"),
        (["--email", "x@council.example", "--role", " "], "Give at least one role"),
        (["--email", "x@council.example", "--role", "case_officer", "--team", "T" * 121], "at most 120 characters"),
        (["--email", "x@council.example", "--role", "case_officer", "--team", "!!!"], "cannot be used as a team name"),
        (["--email", "x@council.example", "--role", "case_officer", "--given-name", "G" * 151], "at most 150"),
        (["--email", "x@council.example"], "the following arguments are required: --role"),
        (["--role", "case_officer"], "the following arguments are required: --email"),
    ],
)
def test_invalid_input_is_refused_and_nothing_is_written(db, args, message):
    before = snapshot()

    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args)

    assert snapshot() == before


def test_the_role_error_lists_every_role_with_its_name(db):
    with pytest.raises(CommandError) as error:
        run("--email", "x@council.example", "--role", "boss")

    for role in StaffRole:
        assert f"{role.value} ({role.label})" in str(error.value)
    assert str(error.value).endswith("Nothing was created.")


@pytest.mark.parametrize("email", ["resident@example.org", "RESIDENT@example.org"])
def test_an_existing_email_is_refused(resident, email):
    before = snapshot()

    with pytest.raises(CommandError, match=r"already has an account with the email address resident@example\.org"):
        run("--email", email, "--role", "case_officer", "--team", "New Team")

    assert snapshot() == before
    assert not resident.role_assignments.exists()


def test_a_failure_after_the_first_write_leaves_nothing(db, monkeypatch):
    def broken_audit(**kwargs):
        assert User.objects.filter(email="x@council.example").exists()  # the user was already written
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    before = snapshot()

    with pytest.raises(CommandError, match=r"\(RuntimeError: audit log unavailable\)\. Nothing was created\."):
        run("--email", "x@council.example", "--role", "case_officer", "--team", "New Team")

    assert snapshot() == before
