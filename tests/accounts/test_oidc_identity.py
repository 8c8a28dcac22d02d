"""GOV.UK One Login identity: asking for a P2 identity, checking the coreIdentityJWT, recording it in MyAccount.

The fake provider (tests/fakes/oidc_provider.py) plays One Login, including its identity
service: it signs the coreIdentityJWT with an ES256 key of its own, whose public half is
configured as the council would configure One Login's (identity_public_key).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import environ
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from tests.accounts import assert_clean_page, main_text
from tests.accounts.test_oidc import (  # noqa: F401 - fixtures
    CALLBACK_PATH,
    CLIENT_ID,
    CLIENT_SECRET,
    LOGIN_PATH,
    PROVIDER_ID,
    PROVIDER_NAME,
    authorize,
    callback,
    configure,
    oidc_provider,
    provider,
    signed_in_user_id,
    start_sign_in,
)
from tests.conftest import TEST_PASSWORD
from tests.fakes.oidc_provider import CORE_IDENTITY_CLAIM, FakeOIDCProvider, FakeOIDCUser
from tests.people.conftest import sources  # noqa: F401 - fixture
from tests.people.test_account_link import Index, index, rita_at_home  # noqa: F401 - fixtures
from tests.service_requests.conftest import borough  # noqa: F401 - fixture
from townhall.accounts import oidc_identity
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.core import config
from townhall.myaccount.constants import IdentityConfidence, IdentityMethod
from townhall.myaccount.models import IdentityVerification
from townhall.people.models import AccountCitizenLink, AccountLinkOutcome

pytestmark = pytest.mark.django_db

OLU = FakeOIDCUser(
    sub="urn:fdc:gov.uk:2022:olu-identity",
    email="olu.identity@example.org",
    given_name="Olu",
    family_name="Idowu",
    birth_date="1984-03-09",
)
RITA_AT_ONE_LOGIN = FakeOIDCUser(
    sub="urn:fdc:gov.uk:2022:rita",
    email="rita.one.login@example.org",
    given_name="Rita",
    family_name="Resident",
    birth_date="1980-05-17",
)
REFUSAL = "we could not confirm your identity with GOV.UK One Login"


def configure_identity(settings, monkeypatch: pytest.MonkeyPatch, fake: FakeOIDCProvider) -> None:
    configure(
        settings,
        monkeypatch,
        fake.issuer,
        govuk_identity=True,
        identity_issuer=fake.identity_issuer,
        identity_public_key=fake.identity_public_pem(),
    )


@pytest.fixture
def one_login(settings, monkeypatch: pytest.MonkeyPatch, provider: FakeOIDCProvider) -> FakeOIDCProvider:  # noqa: F811
    provider.user = OLU
    configure_identity(settings, monkeypatch, provider)
    return provider


def sign_in_and_land(client: Client, fake: FakeOIDCProvider) -> str:
    """Sign in through the fake One Login and return the text of the page the resident lands on."""
    response = callback(client, authorize(start_sign_in(client, fake)))
    assert response.status_code == 302, main_text(response)
    landing = client.get(response["Location"])
    assert_clean_page(landing)
    return main_text(landing) if b"<main" in landing.content else landing.content.decode()


def test_the_authorization_request_asks_for_a_p2_identity_and_the_core_identity_claim(
    client: Client, one_login: FakeOIDCProvider
) -> None:
    sent = parse_qs(urlsplit(start_sign_in(client, one_login)).query)
    assert json.loads(sent["vtr"][0]) == ["Cl.Cm.P2"]
    assert json.loads(sent["claims"][0]) == {"userinfo": {CORE_IDENTITY_CLAIM: None}}


def test_without_identity_configured_nothing_is_asked_for_or_recorded(
    client: Client,
    settings,
    monkeypatch: pytest.MonkeyPatch,
    provider: FakeOIDCProvider,  # noqa: F811
) -> None:
    provider.user = OLU
    configure(settings, monkeypatch, provider.issuer)
    sent = parse_qs(urlsplit(start_sign_in(client, provider)).query)
    assert "vtr" not in sent
    assert "claims" not in sent
    client.logout()
    sign_in_and_land(client, provider)
    assert signed_in_user_id(client) is not None
    assert not IdentityVerification.objects.exists()


def test_a_verified_identity_is_recorded_and_the_citizen_index_link_tried(
    client: Client, one_login: FakeOIDCProvider
) -> None:
    page = sign_in_and_land(client, one_login)

    user = User.objects.get(email=OLU.email)
    assert signed_in_user_id(client) == str(user.pk)
    [check] = IdentityVerification.objects.filter(user=user)
    assert check.method == IdentityMethod.GOVUK_ONE_LOGIN
    assert check.level == IdentityConfidence.MEDIUM
    assert "P2" in check.evidence
    # The same service as the other methods: a new account has no address, so nobody is linked, and it says so.
    link = AccountCitizenLink.objects.get(user=user)
    assert link.outcome == AccountLinkOutcome.NOT_FOUND
    assert link.method.startswith("govuk_one_login:")
    assert AuditEntry.objects.filter(action="myaccount.identity.verified", object_id=str(user.pk)).exists()
    assert "GOV.UK One Login has confirmed your identity" in page

    # Signing in again does not record a second check.
    client.post("/auth/logout/")
    sign_in_and_land(client, one_login)
    assert IdentityVerification.objects.filter(user=user).count() == 1


def test_connecting_one_login_verifies_and_links_an_existing_account_to_its_citizen(
    client: Client,
    settings,
    monkeypatch: pytest.MonkeyPatch,
    provider: FakeOIDCProvider,  # noqa: F811
    rita_at_home: User,  # noqa: F811
    index: Index,  # noqa: F811
) -> None:
    provider.user = RITA_AT_ONE_LOGIN
    configure_identity(settings, monkeypatch, provider)
    signed_in = client.post("/auth/login/", {"login": rita_at_home.email, "password": TEST_PASSWORD})
    assert signed_in.status_code == 302
    assert "GOV.UK One Login" in client.get("/account/identity/").content.decode()

    confirm = client.get(f"{LOGIN_PATH}?process=connect&next=/account/identity/")
    assert confirm.status_code == 200
    started = client.post(f"{LOGIN_PATH}?process=connect&next=/account/identity/")
    assert started.status_code == 302, started
    response = callback(client, authorize(str(started["Location"])))
    assert response.status_code == 302
    assert response["Location"] == "/account/identity/"

    [check] = IdentityVerification.objects.filter(user=rita_at_home)
    assert check.method == IdentityMethod.GOVUK_ONE_LOGIN
    link = AccountCitizenLink.objects.get(user=rita_at_home)
    assert link.outcome == AccountLinkOutcome.LINKED
    assert link.citizen == index.rita
    page = client.get("/account/identity/")
    assert_clean_page(page)
    assert "medium confidence" in main_text(page)


@pytest.mark.parametrize(
    ("misbehaviour", "why"),
    [
        ("identity_signature", "InvalidSignatureError"),
        ("identity_sub", "someone other than the person who signed in"),
        ("identity_vot_p1", "vector of trust is 'P1'"),
        ("identity_missing", "no coreIdentityJWT"),
        ("identity_expired", "ExpiredSignatureError"),
    ],
)
def test_an_identity_that_fails_a_check_records_nothing_and_says_so_plainly(
    client: Client, one_login: FakeOIDCProvider, misbehaviour: str, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    one_login.misbehave(misbehaviour)

    page = sign_in_and_land(client, one_login)

    user = User.objects.get(email=OLU.email)
    assert signed_in_user_id(client) == str(user.pk), "the sign-in itself was sound"
    assert not IdentityVerification.objects.exists()
    assert not AccountCitizenLink.objects.exists()
    assert not AuditEntry.objects.filter(action="myaccount.identity.verified").exists()
    assert REFUSAL in page
    assert why in caplog.text


def test_a_token_signed_with_another_key_is_refused() -> None:
    """The check uses the configured key only: a JWT signed by any other ES256 key does not pass."""
    import jwt

    other = ec.generate_private_key(ec.SECP256R1())
    configured = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = configured.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    token = jwt.encode(
        {"sub": "s", "aud": "c", "iss": "https://i/", "exp": 2**40, "vot": "P2", "vc": {}}, other, "ES256"
    )
    with pytest.raises(oidc_identity.CoreIdentityRefusedError, match="InvalidSignatureError"):
        oidc_identity.verify_core_identity(token, public_key_pem=pem, issuer="https://i/", audience="c", subject="s")


def _item(**options: object) -> str:
    return json.dumps(
        [
            {
                "provider_id": PROVIDER_ID,
                "name": PROVIDER_NAME,
                "client_id": CLIENT_ID,
                "secret": CLIENT_SECRET,
                "server_url": "https://oidc.example.test",
                **options,
            }
        ]
    )


def _pem(key: object) -> str:
    return (
        key.public_key()
        .public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"govuk_identity": True}, "identity_issuer"),
        ({"govuk_identity": True, "identity_issuer": "https://identity.account.gov.uk/"}, "identity_public_key"),
        (
            {"govuk_identity": True, "identity_issuer": "https://identity.account.gov.uk/", "identity_public_key": "x"},
            "not a PEM public key",
        ),
        (
            {
                "govuk_identity": True,
                "identity_issuer": "https://identity.account.gov.uk/",
                "identity_public_key": _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
            },
            "EC P-256",
        ),
        ({"govuk_identity": "yes"}, "true or false"),
        ({"identity_issuer": "https://identity.account.gov.uk/"}, 'only apply with "govuk_identity": true'),
    ],
)
def test_one_login_identity_settings_are_checked_at_start_up(
    monkeypatch: pytest.MonkeyPatch, options: dict[str, object], message: str
) -> None:
    monkeypatch.setenv("OIDC_PROVIDERS", _item(**options))
    with pytest.raises(ImproperlyConfigured, match=message):
        config.read_oidc_providers(environ.Env())


def test_good_one_login_identity_settings_reach_the_provider_app(monkeypatch: pytest.MonkeyPatch) -> None:
    pem = _pem(ec.generate_private_key(ec.SECP256R1()))
    monkeypatch.setenv(
        "OIDC_PROVIDERS",
        _item(govuk_identity=True, identity_issuer="https://identity.account.gov.uk/", identity_public_key=pem),
    )
    [app] = config.read_oidc_providers(environ.Env())
    assert app["settings"]["govuk_identity"] == {"issuer": "https://identity.account.gov.uk/", "public_key": pem}
