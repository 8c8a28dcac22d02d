from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "townhall.accounts"
    label = "accounts"
    verbose_name = "Accounts, staff roles and teams"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in
        from allauth.mfa.signals import authentication_failed, authenticator_added
        from django.contrib.auth.signals import user_login_failed

        from townhall.accounts import receivers

        authenticator_added.connect(
            receivers.record_mfa_on_totp_setup, dispatch_uid="townhall.accounts.record_mfa_on_totp_setup"
        )
        # Sign-in history: allauth's user_logged_in fires once per completed sign-in (every method),
        # not for test clients' force_login; Django's user_login_failed for each wrong password.
        user_logged_in.connect(receivers.record_sign_in, dispatch_uid="townhall.accounts.record_sign_in")
        user_login_failed.connect(
            receivers.record_wrong_password, dispatch_uid="townhall.accounts.record_wrong_password"
        )
        authentication_failed.connect(
            receivers.record_wrong_security_code, dispatch_uid="townhall.accounts.record_wrong_security_code"
        )

        from townhall.accounts import personal_data

        personal_data.register()
