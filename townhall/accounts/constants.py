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


class SignInOutcome(models.TextChoices):
    """What happened when someone tried to sign in to an account."""

    SIGNED_IN = "signed_in", "Signed in"
    WRONG_PASSWORD = "wrong_password", "Wrong password"
    WRONG_SECURITY_CODE = "wrong_security_code", "Wrong security code"


class SignInMethod(models.TextChoices):
    """The first step of a sign-in: what the person proved they hold."""

    PASSWORD = "password", "Password"
    EMAIL_CODE = "email_code", "Code sent by email"
    PASSKEY = "passkey", "Passkey"
    IDENTITY_PROVIDER = "identity_provider", "Identity provider"
    NEW_ACCOUNT = "new_account", "Creating your account"


class SecondStep(models.TextChoices):
    """The extra step (two-factor authentication) of a sign-in, if there was one."""

    AUTHENTICATOR_APP = "authenticator_app", "Authenticator app"
    RECOVERY_CODE = "recovery_code", "Recovery code"
    PASSKEY = "passkey", "Passkey or security key"


# Sign-in history is kept this long, then deleted by `townhall accounts_cleanup` (ADR 0023).
SIGN_IN_HISTORY_DAYS = 90
