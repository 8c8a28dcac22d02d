"""Fixed facts about the demo borough: scales, sign-ins and teams."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from townhall.accounts.constants import StaffRole

# One password for every demo sign-in. It is printed by `townhall demo logins` and in
# the README: the demo borough is for trying Townhall out, never for real data.
DEMO_PASSWORD = "Townhall-demo-2026"  # noqa: S105
DEMO_EMAIL_DOMAIN = "demo.townhall.test"
RESIDENT_EMAIL_DOMAIN = f"residents.{DEMO_EMAIL_DOMAIN}"
DEFAULT_SEED = 1


class Scale(models.TextChoices):
    SMALL = "small", "Small (about 5,000 addresses)"
    MEDIUM = "medium", "Medium (about 60,000 addresses)"
    LARGE = "large", "Large (about 150,000 addresses)"


ADDRESS_TARGETS: dict[str, int] = {Scale.SMALL: 5_000, Scale.MEDIUM: 60_000, Scale.LARGE: 150_000}
# One resident account for every 40 addresses (plus the fixed demo residents).
ADDRESSES_PER_RESIDENT = 40
WARD_COUNT = 20


class TeamName(models.TextChoices):
    CUSTOMER_SERVICES = "Customer Services"
    HIGHWAYS = "Highways"
    WASTE_AND_RECYCLING = "Waste and Recycling"
    INFORMATION_GOVERNANCE = "Information Governance"
    DATA_AND_INSIGHT = "Data and Insight"
    DIGITAL = "Digital"


@dataclass(frozen=True)
class DemoStaff:
    email: str
    given_name: str
    family_name: str
    role: StaffRole
    team: TeamName


@dataclass(frozen=True)
class DemoResident:
    email: str
    given_name: str
    family_name: str


# The documented sign-ins, one per role. Their names are fixed so screenshots and
# guides stay valid whatever the seed.
DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff(
        f"adviser@{DEMO_EMAIL_DOMAIN}", "Ada", "Adviser", StaffRole.CUSTOMER_SERVICE_ADVISER, TeamName.CUSTOMER_SERVICES
    ),
    DemoStaff(f"caseofficer@{DEMO_EMAIL_DOMAIN}", "Cass", "Officer", StaffRole.CASE_OFFICER, TeamName.HIGHWAYS),
    DemoStaff(f"manager@{DEMO_EMAIL_DOMAIN}", "Morgan", "Manager", StaffRole.TEAM_MANAGER, TeamName.HIGHWAYS),
    DemoStaff(f"steward@{DEMO_EMAIL_DOMAIN}", "Sam", "Steward", StaffRole.DATA_STEWARD, TeamName.DATA_AND_INSIGHT),
    DemoStaff(
        f"ig@{DEMO_EMAIL_DOMAIN}",
        "Iris",
        "Governance",
        StaffRole.INFORMATION_GOVERNANCE_OFFICER,
        TeamName.INFORMATION_GOVERNANCE,
    ),
    DemoStaff(f"admin@{DEMO_EMAIL_DOMAIN}", "Alex", "Administrator", StaffRole.ADMINISTRATOR, TeamName.DIGITAL),
)

DEMO_RESIDENTS: tuple[DemoResident, ...] = (
    DemoResident(f"resident@{DEMO_EMAIL_DOMAIN}", "Rita", "Resident"),
    DemoResident(f"neighbour@{DEMO_EMAIL_DOMAIN}", "Nasir", "Neighbour"),
)

# Further staff with seeded names, so queues and team pages have more than one person.
EXTRA_STAFF: dict[TeamName, tuple[tuple[StaffRole, int], ...]] = {
    TeamName.CUSTOMER_SERVICES: ((StaffRole.CUSTOMER_SERVICE_ADVISER, 4), (StaffRole.TEAM_MANAGER, 1)),
    TeamName.HIGHWAYS: ((StaffRole.CASE_OFFICER, 3),),
    TeamName.WASTE_AND_RECYCLING: ((StaffRole.CASE_OFFICER, 3), (StaffRole.TEAM_MANAGER, 1)),
    TeamName.INFORMATION_GOVERNANCE: ((StaffRole.INFORMATION_GOVERNANCE_OFFICER, 1),),
    TeamName.DATA_AND_INSIGHT: ((StaffRole.DATA_STEWARD, 1),),
    TeamName.DIGITAL: ((StaffRole.ADMINISTRATOR, 1),),
}
