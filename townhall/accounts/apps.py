from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "townhall.accounts"
    label = "accounts"
    verbose_name = "Accounts, staff roles and teams"

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from townhall.accounts.receivers import record_mfa_on_totp_setup

        authenticator_added.connect(record_mfa_on_totp_setup, dispatch_uid="townhall.accounts.record_mfa_on_totp_setup")

        from townhall.accounts import personal_data

        personal_data.register()
