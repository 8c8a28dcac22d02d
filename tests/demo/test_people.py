"""Demo staff, teams and residents: every role can sign in, with TOTP already enrolled."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import Team, User
from townhall.accounts.permissions import has_mfa, is_council_staff, roles_of
from townhall.demo.constants import DEMO_PASSWORD, DEMO_RESIDENTS, DEMO_STAFF, TeamName
from townhall.demo.credentials import demo_totp_secret


def test_every_role_has_a_documented_sign_in_with_password_and_totp(borough):
    assert {member.role for member in DEMO_STAFF} == set(StaffRole)
    for member in DEMO_STAFF:
        user = User.objects.get(email=member.email)
        assert roles_of(user) == {member.role}
        assert user.check_password(DEMO_PASSWORD)
        assert has_mfa(user)
        authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert decrypt(authenticator.data["secret"]) == demo_totp_secret(seed=1, email=member.email)
        assert user.teams.get().name == member.team


def test_teams_exist_with_members(borough):
    assert set(Team.objects.values_list("name", flat=True)) == set(TeamName.values)
    for team in Team.objects.all():
        assert team.members.exists(), team.name
        assert all(is_council_staff(member) and has_mfa(member) for member in team.members.all())


def test_secrets_differ_by_person_and_seed():
    secrets = {demo_totp_secret(seed=1, email=member.email) for member in DEMO_STAFF}
    assert len(secrets) == len(DEMO_STAFF)
    assert demo_totp_secret(seed=2, email=DEMO_STAFF[0].email) not in secrets
    assert all(len(secret) == 32 for secret in secrets)


def test_residents_are_verified_and_only_documented_ones_have_the_password(borough):
    residents = User.objects.filter(role_assignments__isnull=True)
    assert residents.count() == borough.summary.residents == len(DEMO_RESIDENTS) + 125
    assert not EmailAddress.objects.filter(user__in=residents, verified=False).exists()
    documented = {resident.email for resident in DEMO_RESIDENTS}
    for user in residents:
        assert user.given_name
        assert user.family_name
        assert user.has_usable_password() == (user.email in documented)
    assert User.objects.get(email=DEMO_RESIDENTS[0].email).check_password(DEMO_PASSWORD)
