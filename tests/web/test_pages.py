"""The site-shell pages: branding, navigation for each kind of user, statements and footer."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.core.config import Branding

PAGES = ["home", "accessibility_statement", "privacy", "cookies", "help"]
FOOTER_LINKS = {
    "Accessibility statement": "/accessibility-statement",
    "Privacy notice": "/privacy",
    "Cookies": "/cookies",
    "Contact": "/help",
}


def nav(html: str) -> str:
    return html.split('<nav aria-label="Menu"', 1)[1].split("</nav>", 1)[0]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_page_renders_with_council_branding_and_no_gov_uk_identity(client: Client, name: str) -> None:
    response = client.get(reverse(name))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en-GB" class="govuk-template">' in html
    assert 'class="govuk-skip-link"' in html
    assert 'href="#main-content"' in html
    assert 'id="main-content"' in html
    assert "Demo Borough Council" in html
    assert "/static/townhall/logo.svg" in html
    assert "govuk-generic-header" in html
    for gov_uk_only in ("GDS Transport", "govuk-header__logotype", "crown", "govuk-crest", "Crown copyright"):
        assert gov_uk_only not in html
    for text, href in FOOTER_LINKS.items():
        assert f'<a class="govuk-footer__link" href="{href}">{text}</a>' in html
    assert "Powered by Townhall, free software under the GNU Affero General Public License v3.0" in html
    assert 'class="govuk-phase-banner"' in html
    assert "mailto:digital@demo-borough.example" in html
    # No inline event handlers: everything works with JavaScript off.
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.django_db
def test_page_title_follows_page_dash_council_pattern(client: Client) -> None:
    assert "<title>Privacy notice \N{EN DASH} Demo Borough Council</title>" in client.get("/privacy").content.decode()
    assert "<title>Demo Borough Council</title>" in client.get("/").content.decode()


@pytest.mark.django_db
def test_scripts_load_govuk_frontend_as_module_and_htmx_deferred(client: Client) -> None:
    html = client.get("/").content.decode()

    assert "document.body.className += ' js-enabled'" in html
    assert '<script type="module" src="/static/vendor/govuk-frontend/govuk-frontend.min.js"></script>' in html
    assert 'import { initAll } from "/static/vendor/govuk-frontend/govuk-frontend.min.js"; initAll()' in html
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/vendor/govuk-frontend/council.min.css">' in html


@pytest.mark.django_db
def test_branding_comes_from_settings(client: Client, settings) -> None:
    settings.TOWNHALL_BRANDING = Branding(
        council_name="Riverside District Council",
        council_short_name="Riverside",
        logo_static_path="townhall/favicon.svg",
        website_url="https://www.riverside.example",
        contact_email="help@riverside.example",
        source_url="https://git.riverside.example/townhall",
    )
    html = client.get("/").content.decode()

    assert "<title>Riverside District Council</title>" in html
    assert '<span class="townhall-header__name">Riverside District Council</span>' in html
    assert "/static/townhall/favicon.svg" in html
    assert 'href="https://www.riverside.example">Riverside website</a>' in html
    assert "mailto:help@riverside.example" in html
    assert 'href="https://git.riverside.example/townhall">get the source code of this service</a>' in html
    assert "Demo Borough" not in html


@pytest.mark.django_db
def test_anonymous_navigation_offers_sign_in_and_marks_home_current(client: Client) -> None:
    html = nav(client.get("/").content.decode())

    assert f'href="{reverse("account_login")}">Sign in</a>' in html
    assert 'href="/" aria-current="page"' in html
    assert "Sign out" not in html
    assert "Your account" not in html
    assert "Staff" not in html


@pytest.mark.django_db
def test_home_invites_anonymous_visitor_to_create_account(client: Client) -> None:
    html = client.get("/").content.decode()

    assert f'href="{reverse("account_signup")}"' in html
    assert "Create an account" in html


@pytest.mark.django_db
def test_resident_navigation_has_account_and_post_sign_out(client: Client, resident: User) -> None:
    client.force_login(resident)
    html = nav(client.get("/").content.decode())

    assert f'href="{reverse("myaccount:dashboard")}">Your account</a>' in html
    sign_out = html.split('<form class="townhall-nav-form"', 1)[1].split("</form>", 1)[0]
    assert 'method="post"' in sign_out
    assert f'action="{reverse("account_logout")}"' in sign_out
    assert 'name="csrfmiddlewaretoken"' in sign_out
    assert '<button type="submit" class="townhall-nav-button">Sign out</button>' in sign_out
    assert "Sign in" not in html
    assert "Staff" not in html


@pytest.mark.django_db
def test_sign_out_button_signs_out(client: Client, resident: User) -> None:
    client.force_login(resident)

    client.post(reverse("account_logout"))

    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_staff_navigation_has_staff_link(client: Client, staff_by_role: dict[StaffRole, User]) -> None:
    client.force_login(staff_by_role[StaffRole.CASE_OFFICER])
    response = client.get("/")

    assert f'href="{reverse("staff_home")}">Staff</a>' in nav(response.content.decode())
    assert f'href="{reverse("staff_home")}">staff area</a>' in response.content.decode()


@pytest.mark.django_db
def test_navigation_marks_section_of_current_page(client: Client, resident: User) -> None:
    client.force_login(resident)
    html = nav(client.get(reverse("myaccount:dashboard")).content.decode())

    assert f'href="{reverse("myaccount:dashboard")}" aria-current="page"' in html
    assert 'href="/" aria-current' not in html


@pytest.mark.urls("tests.web.urls")
@pytest.mark.django_db
def test_messages_render_as_notification_banners(client: Client) -> None:
    html = client.get("/test/messages").content.decode()

    assert 'class="govuk-notification-banner govuk-notification-banner--success" role="alert"' in html
    assert "Your details were saved." in html
    assert 'class="govuk-notification-banner" role="region"' in html
    assert "We have sent you an email." in html


@pytest.mark.django_db
def test_accessibility_statement_names_council_contact_and_enforcement(client: Client) -> None:
    html = client.get("/accessibility-statement").content.decode()

    assert "Accessibility statement for Demo Borough Council online services" in html
    assert "WCAG) version 2.2" in html
    assert "mailto:digital@demo-borough.example" in html
    assert "Equality and Human Rights Commission" in html
    assert "Equality Advisory and Support Service" in html
    assert "This statement was prepared on 28 November 2026" in html


@pytest.mark.django_db
def test_accessibility_statement_enforcement_in_northern_ireland(client: Client, settings) -> None:
    settings.TOWNHALL_NATION = "northern-ireland"

    html = client.get("/accessibility-statement").content.decode()

    assert "Equality Commission for Northern Ireland" in html
    assert "Equality Advisory and Support Service" not in html


@pytest.mark.django_db
def test_privacy_notice_covers_lawful_basis_rights_and_complaints(client: Client) -> None:
    html = client.get("/privacy").content.decode()

    assert "Demo Borough Council is the data controller" in html
    assert "Article 6(1)(e)" in html
    assert "How long we keep it" in html
    assert "Information Commissioner" in html
    assert "mailto:digital@demo-borough.example?subject=Data%20protection" in html


@pytest.mark.django_db
def test_cookies_page_lists_the_cookies_settings_actually_set(client: Client, settings) -> None:
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    settings.SESSION_COOKIE_AGE = 60 * 60 * 8

    html = client.get("/cookies").content.decode()

    assert "<code>__Host-sessionid</code>" in html
    assert "8 hours, or when you sign out" in html
    assert "<code>__Host-csrftoken</code>" in html
    assert "52 weeks" in html
    assert "<code>messages</code>" in html
    assert "only essential cookies" in html
    assert "govuk-cookie-banner" not in html


@pytest.mark.django_db
def test_site_sets_only_the_essential_cookies_named_on_the_cookies_page(client: Client, resident: User) -> None:
    client.get("/")
    client.post(reverse("account_login"), {"login": resident.email, "password": "wrong-password"})
    client.force_login(resident)
    for name in PAGES:
        client.get(reverse(name))

    assert set(client.cookies) <= {"sessionid", "csrftoken", "messages"}


@pytest.mark.django_db
def test_favicon_redirects_to_council_icon(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/townhall/favicon.ico"
