"""Every foundation page reachable by a GET, by who can see it, with the status it answers.

The axe sweep, the JavaScript-off sweep and the screenshots all walk these lists. Pages
that only exist part-way through a journey (the authenticator-code step of sign-in, a form
with errors, a resident's details after giving a reason, the 429 and CSRF pages) are
opened by the journey tests in test_accessibility.py and test_no_javascript.py.

A path may contain `{resident}`: the primary key of a resident that exists during the test.
Resident and staff contexts have confirmed their password again (allauth asks for that
before its MFA set-up and recovery-code pages).
"""

from __future__ import annotations

import pytest

from tests.browser.error_urls import FORBIDDEN_PATH, SERVER_ERROR_PATH

ANONYMOUS_PAGES = [
    pytest.param("/", 200, id="home"),
    pytest.param("/accessibility-statement", 200, id="accessibility-statement"),
    pytest.param("/privacy", 200, id="privacy"),
    pytest.param("/cookies", 200, id="cookies"),
    pytest.param("/help", 200, id="help"),
    pytest.param("/no-such-page/", 404, id="not-found"),
    pytest.param("/auth/login/", 200, id="sign-in"),
    pytest.param("/auth/signup/", 200, id="register"),
    pytest.param("/auth/login/code/", 200, id="sign-in-with-code"),
    pytest.param("/auth/password/reset/", 200, id="password-reset"),
    pytest.param("/auth/password/reset/done/", 200, id="password-reset-sent"),
    pytest.param("/auth/password/reset/key/done/", 200, id="password-reset-complete"),
    pytest.param("/auth/inactive/", 200, id="account-inactive"),
    pytest.param("/auth/3rdparty/login/cancelled/", 200, id="oidc-sign-in-cancelled"),
    pytest.param("/auth/3rdparty/login/error/", 401, id="oidc-sign-in-error"),
    pytest.param("/reports/", 200, id="public-reports"),
    pytest.param("/reports/alerts/", 200, id="area-alerts"),
    pytest.param("/data/", 200, id="open-data-search"),
    pytest.param("/data/?q=(", 200, id="open-data-search-error"),
    pytest.param("/performance/", 200, id="performance"),
    pytest.param("/have-your-say/", 200, id="have-your-say"),
    pytest.param("/have-your-say/?status=closed", 200, id="have-your-say-closed"),
    pytest.param("/have-your-say/?ward=banana", 200, id="have-your-say-filter-error"),
    pytest.param("/bin-collections/", 200, id="bin-collections"),
    pytest.param("/bin-collections/address/?postcode=ZZ", 200, id="bin-collections-postcode-error"),
    pytest.param("/news/", 200, id="news"),
    pytest.param("/news/?kind=event&ward=nonsense", 200, id="news-filtered"),
]

RESIDENT_PAGES = [
    pytest.param("/", 200, id="home"),
    pytest.param("/help", 200, id="help"),
    pytest.param("/no-such-page/", 404, id="not-found"),
    pytest.param("/staff/", 404, id="staff-area-refused"),
    pytest.param("/account/", 200, id="account"),
    pytest.param("/account/security/", 200, id="account-security"),
    pytest.param("/have-your-say/", 200, id="have-your-say"),
    pytest.param("/account/timeline/", 200, id="account-timeline"),
    pytest.param("/account/timeline/?since=2026-02-30", 200, id="account-timeline-filter-error"),
    pytest.param("/account/timeline/feed/", 200, id="account-feed"),
    pytest.param("/account/messages/", 200, id="account-messages"),
    pytest.param("/account/details/", 200, id="account-details"),
    pytest.param("/account/details/address/", 200, id="account-address"),
    pytest.param("/account/details/address/?postcode=ZZ", 200, id="account-address-error"),
    pytest.param("/account/preferences/", 200, id="account-preferences"),
    pytest.param("/account/consent/", 200, id="account-consent"),
    pytest.param("/account/volunteering/", 200, id="account-volunteering"),
    pytest.param("/account/representatives/", 200, id="account-representatives"),
    pytest.param("/account/identity/", 200, id="account-identity"),
    pytest.param("/account/your-data/", 200, id="account-your-data"),
    pytest.param("/account/your-data/council-records/", 200, id="account-council-records"),
    pytest.param("/account/your-data/erase/", 200, id="account-erase"),
    pytest.param("/account/delete/", 200, id="account-delete"),
    pytest.param("/auth/email/", 200, id="email-addresses"),
    pytest.param("/auth/password/change/", 200, id="password-change"),
    pytest.param("/auth/reauthenticate/", 200, id="confirm-password"),
    pytest.param("/auth/logout/", 200, id="sign-out"),
    pytest.param("/auth/2fa/", 200, id="mfa-overview"),
    pytest.param("/auth/sessions/", 200, id="sessions"),
    pytest.param("/account/security/sign-in-history/", 200, id="sign-in-history"),
    pytest.param("/auth/2fa/webauthn/", 200, id="passkeys"),
    pytest.param("/auth/2fa/webauthn/add/", 200, id="passkey-add"),
    pytest.param("/auth/2fa/totp/activate/", 200, id="mfa-totp-setup"),
    pytest.param("/auth/3rdparty/", 200, id="oidc-connections"),
]

# A resident who has no password and signs in with emailed codes sees other versions of these.
CODE_ONLY_RESIDENT_PAGES = [
    pytest.param("/account/security/", 200, id="account-security"),
    pytest.param("/account/delete/", 200, id="account-delete"),
    pytest.param("/auth/password/set/", 200, id="password-set"),
    pytest.param("/auth/reauthenticate/code/", 200, id="confirm-by-code"),
]

STAFF_PAGES = [
    pytest.param("/staff/", 200, id="staff-home"),
    pytest.param("/staff/residents/", 200, id="staff-residents"),
    pytest.param("/staff/residents/?q=Resident", 200, id="staff-residents-search"),
    pytest.param("/staff/residents/?q=nobody-matches-this", 200, id="staff-residents-search-no-results"),
    pytest.param("/staff/residents/?q=R", 200, id="staff-residents-search-too-short"),
    pytest.param("/staff/residents/{resident}/", 200, id="staff-resident-reason"),
    pytest.param("/staff/residents/authorise-representative/{resident}/", 200, id="staff-resident-representative"),
    pytest.param("/staff/residents/verify-identity/{resident}/", 200, id="staff-resident-identity"),
    pytest.param("/staff/residents/contact-preferences/{resident}/", 200, id="staff-resident-preferences"),
    pytest.param("/staff/open-data/", 200, id="open-data-back-office"),
    pytest.param("/staff/open-data/new/", 200, id="open-data-new-dataset"),
    pytest.param("/staff/open-data/uploads/", 200, id="open-data-uploads"),
    pytest.param("/staff/open-data/publishers/", 200, id="open-data-publishers"),
    pytest.param("/staff/open-data/publishers/new/", 200, id="open-data-publisher-new"),
    pytest.param("/staff/open-data/themes/", 200, id="open-data-themes"),
    pytest.param("/staff/open-data/themes/new/", 200, id="open-data-theme-new"),
    pytest.param("/staff/citizen-index/", 200, id="citizen-index"),
    pytest.param("/staff/citizen-index/review/", 200, id="citizen-index-review"),
    pytest.param("/staff/citizen-index/quality/", 200, id="citizen-index-quality"),
    pytest.param("/staff/citizen-index/quality/issues/", 200, id="citizen-index-quality-issues"),
    pytest.param("/staff/information-assets/", 200, id="information-assets"),
    pytest.param("/staff/information-assets/new/", 200, id="information-assets-new"),
    pytest.param("/staff/information-assets/graph/", 200, id="information-assets-graph"),
    pytest.param("/staff/information-assets/reviews/", 200, id="information-assets-reviews"),
    pytest.param("/staff/information-assets/sharing/", 200, id="information-assets-sharing"),
    pytest.param("/staff/information-assets/standards/", 200, id="information-assets-standards"),
    pytest.param("/staff/notices/", 200, id="council-notices"),
    pytest.param("/staff/notices/new/", 200, id="council-notices-new"),
    pytest.param("/staff/bin-collections/", 200, id="bin-collection-rounds"),
    pytest.param("/staff/bin-collections/changes/new/", 200, id="bin-collection-move"),
    pytest.param("/staff/consultations/", 200, id="consultations"),
    pytest.param("/staff/consultations/new/", 200, id="consultations-new"),
    pytest.param("/staff/audit/", 200, id="staff-audit"),
    pytest.param("/staff/audit/?action=resident", 200, id="staff-audit-filtered"),
    pytest.param("/staff/audit/?occurred_from=31%2F2%2F2026", 200, id="staff-audit-filter-error"),
    pytest.param("/staff/no-such-page/", 404, id="staff-not-found"),
    pytest.param("/account/api-tokens/", 200, id="open-data-api-tokens"),
    pytest.param("/account/", 200, id="account"),
    pytest.param("/auth/2fa/", 200, id="mfa-overview"),
    pytest.param("/auth/2fa/reauthenticate/", 200, id="mfa-confirm-code"),
    pytest.param("/auth/2fa/recovery-codes/", 200, id="mfa-recovery-codes"),
    pytest.param("/auth/2fa/recovery-codes/generate/", 200, id="mfa-recovery-codes-new"),
    pytest.param("/auth/2fa/totp/deactivate/", 200, id="mfa-totp-remove"),
    pytest.param("/account/security/sign-in-history/", 200, id="sign-in-history"),
]

# Reached through tests/browser/error_urls.py (the `failing_urls` fixture): nothing in the
# product fails on purpose.
ERROR_PAGES = [
    pytest.param(FORBIDDEN_PATH, 403, id="forbidden"),
    pytest.param(SERVER_ERROR_PATH, 500, id="server-error"),
]
