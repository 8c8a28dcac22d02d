"""Signing in with OpenID Connect, against a local fake provider that speaks the real protocol.

Townhall is configured the way a council would configure it (OIDC_PROVIDERS, read by
townhall.core.config). The Django test client plays the browser on Townhall's side; urllib plays
it on the provider's side, following the authorize redirect by hand. allauth talks to the fake's
token, userinfo and JWKS endpoints over real HTTP.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import environ
import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from tests.accounts import (
    COUNCIL,
    assert_clean_page,
    error_summary_links,
    html,
    last_email_to,
    main_text,
    page_title,
    titled,
)
from tests.fakes.oidc_provider import FakeOIDCProvider, FakeOIDCUser, pkce_challenge
from townhall.accounts import permissions
from townhall.accounts.adapters import STATE_NONCE_KEY
from townhall.accounts.models import User
from townhall.core import config

pytestmark = pytest.mark.django_db

PROVIDER_ID = "onelogin"
PROVIDER_NAME = "GOV.UK One Login"
CLIENT_ID = "townhall-test-client"
CLIENT_SECRET = "fake-client-secret-for-tests"
CALLBACK_PATH = f"/auth/oidc/{PROVIDER_ID}/login/callback/"
LOGIN_PATH = f"/auth/oidc/{PROVIDER_ID}/login/"
PERSON = FakeOIDCUser(
    sub="urn:fdc:gov.uk:2022:abc123", email="oidc.person@example.org", given_name="Olu", family_name="Idowu"
)


class _DoNotFollow(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture(scope="module")
def oidc_provider() -> Iterator[FakeOIDCProvider]:
    with FakeOIDCProvider(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[f"http://testserver{CALLBACK_PATH}"],
        user=PERSON,
    ) as provider:
        yield provider


@pytest.fixture
def provider(oidc_provider: FakeOIDCProvider) -> Iterator[FakeOIDCProvider]:
    oidc_provider.reset()
    oidc_provider.user = PERSON
    yield oidc_provider
    oidc_provider.reset()


def configure(settings, monkeypatch: pytest.MonkeyPatch, issuer: str, **options: object) -> None:
    """Configure the provider exactly as the README's OIDC_PROVIDERS example does."""
    item = {
        "provider_id": PROVIDER_ID,
        "name": PROVIDER_NAME,
        "client_id": CLIENT_ID,
        "secret": CLIENT_SECRET,
        "server_url": issuer,
        **options,
    }
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps([item]))
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": config.read_oidc_providers(environ.Env())}}


@pytest.fixture
def configured(settings, monkeypatch: pytest.MonkeyPatch, provider: FakeOIDCProvider) -> FakeOIDCProvider:
    configure(settings, monkeypatch, provider.issuer)
    return provider


def start_sign_in(client: Client, provider: FakeOIDCProvider) -> str:
    """From the sign-in page to the provider: returns the authorize URL Townhall sent the browser to."""
    login_page = client.get("/auth/login/")
    assert f"Continue with {PROVIDER_NAME}" in html(login_page)
    assert f'href="{LOGIN_PATH}?process=login"' in html(login_page)
    confirm = client.get(f"{LOGIN_PATH}?process=login")
    assert confirm.status_code == 200
    assert_clean_page(confirm)
    assert page_title(confirm) == titled(f"Continue with {PROVIDER_NAME}")
    response = client.post(f"{LOGIN_PATH}?process=login")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{provider.issuer}/authorize?")
    return str(response["Location"])


def authorize(url: str) -> str:
    """What the browser does at the provider: it approves at once and redirects back; return that URL."""
    opener = urllib.request.build_opener(_DoNotFollow)
    # Without a redirect to follow, urllib reports the 302 as an HTTPError.
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(url, timeout=10)
    assert redirect.value.code == 302, redirect.value.read()
    return str(redirect.value.headers["Location"])


def callback(client: Client, redirect_url: str):
    parts = urlsplit(redirect_url)
    assert parts.path == CALLBACK_PATH
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client: Client, provider: FakeOIDCProvider):
    return callback(client, authorize(start_sign_in(client, provider)))


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def assert_refused(client: Client, response) -> None:
    assert response.status_code == 401
    assert_clean_page(response)
    assert page_title(response) == titled("Sorry, we could not sign you in")
    assert "You have not been signed in." in main_text(response)
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(email__in=[PERSON.email, "attacker@example.net"]).exists()
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize("token_auth_method", ["client_secret_basic", "client_secret_post"])
def test_new_resident_is_created_and_signed_in_with_the_verified_email(
    client: Client, settings, monkeypatch: pytest.MonkeyPatch, provider: FakeOIDCProvider, token_auth_method: str
) -> None:
    configure(settings, monkeypatch, provider.issuer, token_auth_method=token_auth_method)

    response = sign_in(client, provider)

    assert response.status_code == 302, main_text(response)
    assert response["Location"] == "/"
    user = User.objects.get(email=PERSON.email)
    assert signed_in_user_id(client) == str(user.pk)
    assert (user.given_name, user.family_name) == ("Olu", "Idowu")
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified
    assert not permissions.is_council_staff(user)
    assert client.get("/staff/").status_code == 404
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == (PROVIDER_ID, PERSON.sub)
    # The protocol as it happened: nonce and PKCE sent, the client authenticated as configured.
    sent = provider.authorize_requests[-1]
    assert sent["client_id"] == CLIENT_ID
    assert sent["response_type"] == "code"
    assert "openid" in sent["scope"].split()
    assert sent["nonce"]
    assert sent["code_challenge_method"] == "S256"
    assert provider.token_requests == [{"auth_method": token_auth_method, "outcome": "ok"}]
    assert len(provider.userinfo_requests) == 1


def test_signing_in_again_uses_the_same_account(client: Client, configured: FakeOIDCProvider) -> None:
    sign_in(client, configured)
    client.post("/auth/logout/")

    response = sign_in(client, configured)

    assert response.status_code == 302
    assert User.objects.filter(email=PERSON.email).count() == 1
    assert signed_in_user_id(client) == str(User.objects.get(email=PERSON.email).pk)


def test_each_sign_in_sends_a_fresh_nonce_kept_in_the_session(client: Client, configured: FakeOIDCProvider) -> None:
    first = parse_qs(urlsplit(start_sign_in(client, configured)).query)
    second = parse_qs(urlsplit(start_sign_in(client, configured)).query)

    assert first["nonce"] != second["nonce"]
    stashed = [state for state, *_ in client.session["socialaccount_states"].values()]
    assert {state[STATE_NONCE_KEY] for state in stashed} == {first["nonce"][0], second["nonce"][0]}


def test_tampered_id_token_signature_is_refused(client: Client, configured: FakeOIDCProvider) -> None:
    configured.misbehave("signature")

    response = sign_in(client, configured)

    assert configured.token_requests[-1]["outcome"] == "ok"  # the provider answered; Townhall said no
    assert_refused(client, response)


def test_id_token_with_the_wrong_nonce_is_refused(client: Client, configured: FakeOIDCProvider) -> None:
    configured.misbehave("nonce")

    response = sign_in(client, configured)

    assert_refused(client, response)


def test_user_info_about_someone_else_is_refused(client: Client, configured: FakeOIDCProvider) -> None:
    configured.misbehave("userinfo_sub")

    response = sign_in(client, configured)

    assert_refused(client, response)


def test_a_reused_authorization_code_is_refused(client: Client, configured: FakeOIDCProvider) -> None:
    first_redirect = authorize(start_sign_in(client, configured))
    assert callback(client, first_redirect).status_code == 302
    client.post("/auth/logout/")
    User.objects.all().delete()  # start again from nothing, so only the code decides

    # A new sign-in (new state, so allauth's own state check passes) replaying the old code.
    new_state = parse_qs(urlsplit(start_sign_in(client, configured)).query)["state"][0]
    old_code = parse_qs(urlsplit(first_redirect).query)["code"][0]
    response = client.get(f"{CALLBACK_PATH}?{urlencode({'code': old_code, 'state': new_state})}")

    assert configured.token_requests[-1]["outcome"] == "invalid_grant: code already used"
    assert_refused(client, response)


def test_a_replayed_callback_is_refused(client: Client, configured: FakeOIDCProvider) -> None:
    """The same redirect twice: allauth has already used up the state, so the second never reaches the provider."""
    redirect = authorize(start_sign_in(client, configured))
    assert callback(client, redirect).status_code == 302
    client.post("/auth/logout/")

    response = callback(client, redirect)

    assert response.status_code == 401
    assert signed_in_user_id(client) is None
    assert len(configured.token_requests) == 1


def test_provider_email_that_is_not_verified_must_be_confirmed_by_code(
    client: Client, configured: FakeOIDCProvider
) -> None:
    configured.user = FakeOIDCUser(sub="unverified-sub", email="unverified.oidc@example.org", email_verified=False)

    response = sign_in(client, configured)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/auth/confirm-email/"
    assert signed_in_user_id(client) is None
    assert not EmailAddress.objects.get(email="unverified.oidc@example.org").verified


def test_provider_cannot_sign_in_to_an_existing_account_by_claiming_its_email(
    client: Client, configured: FakeOIDCProvider, resident: User
) -> None:
    """Accounts are never joined by email (SOCIALACCOUNT_EMAIL_AUTHENTICATION is off).

    allauth treats it as a sign-up with a taken address: the same "check your email" page as any
    sign-up (no enumeration), an "you already have an account" email to the owner, and no link.
    """
    configured.user = FakeOIDCUser(sub="someone-else", email=resident.email)

    response = sign_in(client, configured)

    assert signed_in_user_id(client) is None
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/auth/confirm-email/"
    page = client.get(response["Location"])
    assert_clean_page(page)
    assert page_title(page) == titled("Check your email")
    assert last_email_to(resident.email).subject == f"You already have a {COUNCIL} account"
    assert User.objects.filter(email=resident.email).count() == 1
    assert not SocialAccount.objects.exists()
    client.post("/auth/confirm-email/", {"action": "verify", "code": "BBBB-CCCC"})
    assert signed_in_user_id(client) is None


def test_provider_without_an_email_address_asks_for_one(client: Client, configured: FakeOIDCProvider) -> None:
    """Some providers share no email address: allauth then shows its own sign-up form for it."""
    configured.user = FakeOIDCUser(sub="no-email-sub", email="")

    response = sign_in(client, configured)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/auth/3rdparty/signup/"
    page = client.get("/auth/3rdparty/signup/")
    assert page.status_code == 200
    assert_clean_page(page)
    assert page_title(page) == titled("Create an account")
    assert f"You have signed in with {PROVIDER_NAME}" in main_text(page)
    empty = client.post("/auth/3rdparty/signup/", {"email": ""})
    assert empty.status_code == 200
    assert page_title(empty) == "Error: " + titled("Create an account")
    assert [href for href, _ in error_summary_links(empty)] == ["#id_email"]

    response = client.post("/auth/3rdparty/signup/", {"email": "chosen@example.org"})

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/auth/confirm-email/"
    assert signed_in_user_id(client) is None  # an address the provider did not vouch for is checked first
    assert SocialAccount.objects.get(uid="no-email-sub").user.email == "chosen@example.org"


# The fake itself: it must refuse what a real provider refuses, or the tests above prove nothing.


def fake_authorize(provider: FakeOIDCProvider, *, verifier: str = "v" * 64) -> str:
    query = urlencode(
        {
            "client_id": CLIENT_ID,
            "redirect_uri": f"http://testserver{CALLBACK_PATH}",
            "response_type": "code",
            "scope": "openid email",
            "state": "s1",
            "nonce": "n1",
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    return parse_qs(urlsplit(authorize(f"{provider.issuer}/authorize?{query}")).query)["code"][0]


def token_request(provider: FakeOIDCProvider, form: dict[str, str], *, basic: bool = True) -> tuple[int, dict]:
    headers = {}
    if basic:
        credentials = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        headers["Authorization"] = f"Basic {credentials}"
    request = urllib.request.Request(  # noqa: S310 - a local http:// URL
        f"{provider.issuer}/token", data=urlencode(form).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_fake_provider_codes_are_single_use_and_need_the_pkce_verifier(provider: FakeOIDCProvider) -> None:
    form = {"grant_type": "authorization_code", "redirect_uri": f"http://testserver{CALLBACK_PATH}"}

    code = fake_authorize(provider)
    assert token_request(provider, {**form, "code": code, "code_verifier": "w" * 64}) == (
        400,
        {"error": "invalid_grant", "error_description": "code_verifier does not match the code_challenge"},
    )
    code = fake_authorize(provider)
    status, body = token_request(provider, {**form, "code": code, "code_verifier": "v" * 64})
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert token_request(provider, {**form, "code": code, "code_verifier": "v" * 64})[1]["error_description"] == (
        "code already used"
    )


def test_fake_provider_refuses_a_wrong_client_secret(provider: FakeOIDCProvider) -> None:
    code = fake_authorize(provider)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": f"http://testserver{CALLBACK_PATH}",
        "code_verifier": "v" * 64,
        "client_id": CLIENT_ID,
        "client_secret": "wrong",
    }

    assert token_request(provider, form, basic=False)[0] == 401


def test_fake_provider_does_not_redirect_to_an_unregistered_uri(provider: FakeOIDCProvider) -> None:
    query = urlencode(
        {"client_id": CLIENT_ID, "redirect_uri": "https://evil.example/cb", "response_type": "code", "scope": "openid"}
    )

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{provider.issuer}/authorize?{query}", timeout=10)  # noqa: S310

    assert refused.value.code == 400
