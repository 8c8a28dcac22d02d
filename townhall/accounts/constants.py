"""Staff roles, in the council's words. Residents have no role."""

from django.db import models


class StaffRole(models.TextChoices):
    CUSTOMER_SERVICE_ADVISER = "customer_service_adviser", "Customer service adviser"
    CASE_OFFICER = "case_officer", "Case officer"
    TEAM_MANAGER = "team_manager", "Team manager"
    DATA_STEWARD = "data_steward", "Data steward"
    INFORMATION_GOVERNANCE_OFFICER = "information_governance_officer", "Information governance officer"
    ADMINISTRATOR = "administrator", "Administrator"
