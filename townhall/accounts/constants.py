"""Staff roles, in the council's words. Residents have no role."""

from django.db import models


class StaffRole(models.TextChoices):
    CUSTOMER_SERVICE_ADVISER = "customer_service_adviser", "Customer service adviser"
    CASE_OFFICER = "case_officer", "Case officer"
    TEAM_MANAGER = "team_manager", "Team manager"
    DATA_STEWARD = "data_steward", "Data steward"
    INFORMATION_GOVERNANCE_OFFICER = "information_governance_officer", "Information governance officer"
    ADMINISTRATOR = "administrator", "Administrator"


class Relationship(models.TextChoices):
    """Why one person may act for another in their account."""

    CARER = "carer", "Carer, family member or friend"
    LASTING_POWER_OF_ATTORNEY = "lasting_power_of_attorney", "Lasting power of attorney"
    DEPUTY = "deputy", "Deputy appointed by the Court of Protection"
    APPOINTEE = "appointee", "Appointee or other legal authority"


# The session entry naming the account a representative is acting for (myaccount's switch
# sets it; every page that acts for someone checks accounts.selectors.represented_by again).
ACTING_FOR_SESSION_KEY = "townhall.myaccount.acting_for"
