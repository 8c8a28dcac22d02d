"""Every foundation page, by who can see it. Both the axe tests and the JavaScript-off tests walk these lists.

A path may contain `{resident}`, filled with the primary key of a resident that exists
during the test (for staff pages about one resident).
"""

from __future__ import annotations

import pytest

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
]

RESIDENT_PAGES = [
    pytest.param("/", 200, id="home"),
    pytest.param("/account/", 200, id="account"),
    pytest.param("/account/delete/", 200, id="account-delete"),
    pytest.param("/auth/email/", 200, id="email-addresses"),
    pytest.param("/auth/password/change/", 200, id="password-change"),
    pytest.param("/auth/2fa/", 200, id="mfa-overview"),
    pytest.param("/auth/2fa/totp/activate/", 200, id="mfa-totp-setup"),
]

STAFF_PAGES = [
    pytest.param("/staff/", 200, id="staff-home"),
    pytest.param("/staff/residents/", 200, id="staff-residents"),
    pytest.param("/staff/residents/?q=Resident", 200, id="staff-residents-search"),
    pytest.param("/staff/residents/?q=nobody-matches-this", 200, id="staff-residents-search-no-results"),
    pytest.param("/staff/residents/{resident}/", 200, id="staff-resident-detail"),
    pytest.param("/staff/audit/", 200, id="staff-audit"),
]
