"""A small but real OpenID Connect provider for tests, served from a thread on 127.0.0.1.

It stands in for GOV.UK One Login or Microsoft Entra ID: Townhall's allauth configuration talks
to it over HTTP exactly as it would to the real thing. It implements the authorization code flow
(OIDC Core 1.0 section 3.1) with:

- discovery at /.well-known/openid-configuration;
- /authorize, which checks client_id, redirect_uri, response_type=code and the openid scope,
  keeps state, nonce and a PKCE code_challenge, and auto-approves the configured test user by
  redirecting back with code and state (a test follows that redirect by hand);
- /token, which authenticates the client by client_secret_basic or client_secret_post, accepts
  each code once, checks redirect_uri and the PKCE code_verifier, and returns an access token and
  an RS256-signed ID token (iss, aud, sub, exp, iat, auth_time, nonce, email, email_verified);
- /userinfo for the bearer access token, and /jwks with the public key (a new RSA key per run).

`misbehave(option)` makes it act like a broken or hostile provider, so tests can check that
Townhall refuses what it should: "signature" changes the ID token's claims after signing, "nonce"
signs an ID token with a nonce the client never sent, "userinfo_sub" answers /userinfo about
someone else. Everything it did is recorded in `authorize_requests`, `token_requests` (with the
client authentication used and the outcome) and `userinfo_requests`.

It also plays GOV.UK One Login's identity service: when /authorize asked for a P2 identity
(`vtr=["Cl.Cm.P2"]`) and the `claims` parameter requested
`https://vocab.account.gov.uk/v1/coreIdentityJWT` in userinfo, /userinfo carries that claim: a
JWT signed ES256 with an identity key it generates (`identity_public_pem()`), issued by
`identity_issuer`, with sub, aud, iat, nbf, exp, vot "P2", vtm and vc.credentialSubject (name as
nameParts, birthDate) of the user. Misbehaviours for it: "identity_signature" (claims changed
after signing), "identity_sub" (about someone else), "identity_vot_p1" (only low confidence),
"identity_missing" (no claim sent), "identity_expired" (expired an hour ago).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Environ = dict[str, Any]

CODE_LIFETIME_SECONDS = 60
TOKEN_LIFETIME_SECONDS = 300
TAMPER_OPTIONS = frozenset(
    {
        "signature",
        "nonce",
        "userinfo_sub",
        "identity_signature",
        "identity_sub",
        "identity_vot_p1",
        "identity_missing",
        "identity_expired",
    }
)
CORE_IDENTITY_CLAIM = "https://vocab.account.gov.uk/v1/coreIdentityJWT"
IDENTITY_ISSUER = "https://identity.fake-one-login.test/"


@dataclass(frozen=True)
class FakeOIDCUser:
    """The person who is "signed in" at the provider; /authorize approves them without asking."""

    sub: str
    email: str
    email_verified: bool = True
    given_name: str = ""
    family_name: str = ""
    birth_date: str = ""  # ISO date, as One Login's identity check found it

    def claims(self) -> dict[str, Any]:
        return {
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "name": f"{self.given_name} {self.family_name}".strip(),
        }


@dataclass
class _Grant:
    """What /authorize promised, to be redeemed once at /token."""

    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    user: FakeOIDCUser
    expires_at: float
    used: bool = False
    identity_requested: bool = False


@dataclass
class _AccessToken:
    user: FakeOIDCUser
    expires_at: float
    client_id: str = ""
    identity_requested: bool = False


@dataclass
class _Reply:
    status: str
    headers: list[tuple[str, str]]
    body: bytes = b""


class _OAuthError(Exception):
    """An error answered as RFC 6749 JSON: {"error": ..., "error_description": ...}."""

    def __init__(self, error: str, description: str, status: str = "400 Bad Request") -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean; the provider records what it did instead."""


def _json(status: str, payload: dict[str, Any], extra_headers: Iterable[tuple[str, str]] = ()) -> _Reply:
    headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store"), *extra_headers]
    return _Reply(status, headers, json.dumps(payload).encode())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(code_verifier))."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


class FakeOIDCProvider:
    """Start with `with FakeOIDCProvider(...) as provider:` or start()/stop(); `issuer` is its base URL."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uris: Iterable[str],
        user: FakeOIDCUser,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = set(redirect_uris)
        self.user = user
        self.tamper: set[str] = set()
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.userinfo_requests: list[str] = []
        self._private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self._identity_key = ec.generate_private_key(ec.SECP256R1())
        self.identity_kid = secrets.token_hex(8)
        self.identity_issuer = IDENTITY_ISSUER
        self._grants: dict[str, _Grant] = {}
        self._tokens: dict[str, _AccessToken] = {}
        self._lock = threading.Lock()
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeOIDCProvider:
        self._server = make_server("127.0.0.1", 0, self, handler_class=_QuietHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-oidc", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeOIDCProvider:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def issuer(self) -> str:
        assert self._server is not None, "start() the provider first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reset(self) -> None:
        """Forget codes, tokens, records and tampering: a clean provider for the next test."""
        with self._lock:
            self.tamper.clear()
            self.authorize_requests.clear()
            self.token_requests.clear()
            self.userinfo_requests.clear()
            self._grants.clear()
            self._tokens.clear()

    def misbehave(self, option: str) -> None:
        """Break the protocol on purpose from now until reset(); options are in TAMPER_OPTIONS."""
        if option not in TAMPER_OPTIONS:
            raise ValueError(f"unknown option {option!r}; choose from {sorted(TAMPER_OPTIONS)}")
        self.tamper.add(option)

    def identity_public_pem(self) -> str:
        """The identity signing key's public half, as a council configures it (identity_public_key)."""
        return (
            self._identity_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._private_key.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}

    # WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        routes: dict[tuple[str, str], Callable[[Environ], _Reply]] = {
            ("GET", "/.well-known/openid-configuration"): self._discovery,
            ("GET", "/authorize"): self._authorize,
            ("POST", "/token"): self._token,
            ("GET", "/userinfo"): self._userinfo,
            ("GET", "/jwks"): self._jwks,
        }
        handler = routes.get((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        if handler is None:
            reply = _Reply("404 Not Found", [("Content-Type", "text/plain")], b"not found")
        else:
            with self._lock:
                reply = handler(environ)
        start_response(reply.status, reply.headers)
        return [reply.body]

    def _discovery(self, environ: Environ) -> _Reply:
        issuer = self.issuer
        return _json(
            "200 OK",
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "userinfo_endpoint": f"{issuer}/userinfo",
                "jwks_uri": f"{issuer}/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": [
                    "sub",
                    "iss",
                    "aud",
                    "exp",
                    "iat",
                    "nonce",
                    "email",
                    "email_verified",
                    "name",
                    CORE_IDENTITY_CLAIM,
                ],
                "claims_parameter_supported": True,
                "vtr_values_supported": ["Cl.Cm", "Cl.Cm.P2"],
            },
        )

    def _jwks(self, environ: Environ) -> _Reply:
        return _json("200 OK", {"keys": [self.public_jwk()]})

    def _authorize(self, environ: Environ) -> _Reply:
        query = {key: values[0] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        self.authorize_requests.append(query)
        # Errors about the client or its redirect URI are shown, never redirected (RFC 6749 4.1.2.1).
        if query.get("client_id") != self.client_id:
            return _Reply("400 Bad Request", [("Content-Type", "text/plain")], b"unknown client_id")
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in self.redirect_uris:
            return _Reply("400 Bad Request", [("Content-Type", "text/plain")], b"redirect_uri is not registered")
        state = query.get("state")
        if query.get("response_type") != "code":
            return self._redirect(redirect_uri, {"error": "unsupported_response_type"}, state)
        scope = query.get("scope", "")
        if "openid" not in scope.split():
            return self._redirect(redirect_uri, {"error": "invalid_scope"}, state)
        challenge = query.get("code_challenge")
        method = query.get("code_challenge_method", "plain" if challenge else None)
        if challenge and method not in {"S256", "plain"}:
            return self._redirect(redirect_uri, {"error": "invalid_request"}, state)
        code = secrets.token_urlsafe(32)
        self._grants[code] = _Grant(
            identity_requested=_asks_for_identity(query),
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            nonce=query.get("nonce"),
            code_challenge=challenge,
            code_challenge_method=method,
            user=self.user,
            expires_at=time.time() + CODE_LIFETIME_SECONDS,
        )
        return self._redirect(redirect_uri, {"code": code}, state)

    def _redirect(self, redirect_uri: str, params: dict[str, str], state: str | None) -> _Reply:
        if state is not None:
            params = {**params, "state": state}
        parts = urlsplit(redirect_uri)
        query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
        return _Reply("302 Found", [("Location", urlunsplit(parts._replace(query=query)))])

    def _token(self, environ: Environ) -> _Reply:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {key: values[0] for key, values in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        record: dict[str, str] = {"auth_method": "", "outcome": ""}
        self.token_requests.append(record)
        try:
            record["auth_method"] = self._authenticate_client(environ, form)
            body = self._redeem(form)
        except _OAuthError as exc:
            record["outcome"] = str(exc)
            extra = [("WWW-Authenticate", 'Basic realm="fake-oidc"')] if exc.error == "invalid_client" else []
            return _json(exc.status, {"error": exc.error, "error_description": exc.description}, extra)
        record["outcome"] = "ok"
        return _json("200 OK", body)

    def _authenticate_client(self, environ: Environ, form: dict[str, str]) -> str:
        """client_secret_basic or client_secret_post, never both (RFC 6749 2.3.1)."""
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Basic "):
            if "client_secret" in form:
                raise _OAuthError("invalid_request", "more than one client authentication method")
            try:
                decoded = base64.b64decode(header[6:], validate=True).decode()
            except ValueError as exc:
                raise _OAuthError("invalid_client", "malformed Basic credentials", "401 Unauthorized") from exc
            client_id, _, secret = decoded.partition(":")
            client_id, secret, method = unquote(client_id), unquote(secret), "client_secret_basic"
            if form.get("client_id", client_id) != client_id:
                raise _OAuthError("invalid_request", "client_id in the body differs from the Basic credentials")
        else:
            client_id, secret, method = form.get("client_id", ""), form.get("client_secret", ""), "client_secret_post"
        if client_id != self.client_id or not secrets.compare_digest(secret, self.client_secret):
            raise _OAuthError("invalid_client", "client authentication failed", "401 Unauthorized")
        return method

    def _redeem(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("grant_type") != "authorization_code":
            raise _OAuthError("unsupported_grant_type", "only authorization_code is supported")
        grant = self._grants.get(form.get("code", ""))
        if grant is None:
            raise _OAuthError("invalid_grant", "unknown code")
        if grant.used:
            raise _OAuthError("invalid_grant", "code already used")
        grant.used = True  # single use, whatever happens next
        if time.time() > grant.expires_at:
            raise _OAuthError("invalid_grant", "code expired")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise _OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
        self._check_pkce(grant, form.get("code_verifier"))
        access_token = secrets.token_urlsafe(32)
        now = int(time.time())
        self._tokens[access_token] = _AccessToken(
            user=grant.user,
            expires_at=now + TOKEN_LIFETIME_SECONDS,
            client_id=grant.client_id,
            identity_requested=grant.identity_requested,
        )
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "scope": grant.scope,
            "id_token": self._id_token(grant, now),
        }

    def _check_pkce(self, grant: _Grant, verifier: str | None) -> None:
        if grant.code_challenge is None:
            return
        if not verifier:
            raise _OAuthError("invalid_grant", "code_verifier is required")
        expected = pkce_challenge(verifier) if grant.code_challenge_method == "S256" else verifier
        if not secrets.compare_digest(expected, grant.code_challenge):
            raise _OAuthError("invalid_grant", "code_verifier does not match the code_challenge")

    def _id_token(self, grant: _Grant, now: int) -> str:
        claims: dict[str, Any] = {
            **grant.user.claims(),
            "iss": self.issuer,
            "aud": grant.client_id,
            "iat": now,
            "auth_time": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        if "nonce" in self.tamper:
            claims["nonce"] = "not-the-nonce-you-sent"
        token = jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.kid})
        if "signature" in self.tamper:
            # Someone changed the claims on the way: the signature no longer covers what is there.
            header, _, signature = token.split(".")
            forged = {**claims, "email": "attacker@example.net", "sub": "attacker"}
            token = ".".join([header, _b64url(json.dumps(forged).encode()), signature])
        return token

    def _userinfo(self, environ: Environ) -> _Reply:
        header = environ.get("HTTP_AUTHORIZATION", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        self.userinfo_requests.append(token)
        found = self._tokens.get(token)
        if found is None or time.time() > found.expires_at:
            return _json(
                "401 Unauthorized", {"error": "invalid_token"}, [("WWW-Authenticate", 'Bearer error="invalid_token"')]
            )
        claims = found.user.claims()
        if found.identity_requested and "identity_missing" not in self.tamper:
            claims[CORE_IDENTITY_CLAIM] = self._core_identity(found)
        if "userinfo_sub" in self.tamper:
            claims["sub"] = "someone-else-entirely"
        return _json("200 OK", claims)

    def _core_identity(self, token: _AccessToken) -> str:
        """The coreIdentityJWT One Login returns for a P2 identity check."""
        now = int(time.time())
        user = token.user
        claims: dict[str, Any] = {
            "sub": "someone-else-entirely" if "identity_sub" in self.tamper else user.sub,
            "aud": token.client_id,
            "iss": self.identity_issuer,
            "iat": now,
            "nbf": now,
            "exp": now - 3600 if "identity_expired" in self.tamper else now + TOKEN_LIFETIME_SECONDS,
            "vot": "P1" if "identity_vot_p1" in self.tamper else "P2",
            "vtm": f"{self.issuer}/trustmark",
            "vc": {
                "type": ["VerifiableCredential", "IdentityCheckCredential"],
                "credentialSubject": {
                    "name": [
                        {
                            "nameParts": [
                                {"type": "GivenName", "value": user.given_name},
                                {"type": "FamilyName", "value": user.family_name},
                            ]
                        }
                    ],
                    "birthDate": [{"value": user.birth_date}],
                },
            },
        }
        signed = jwt.encode(claims, self._identity_key, algorithm="ES256", headers={"kid": self.identity_kid})
        if "identity_signature" in self.tamper:
            header, _, signature = signed.split(".")
            # Someone swapped in another person's identity: the signature no longer covers it.
            forged = json.loads(json.dumps(claims))
            forged["vc"]["credentialSubject"]["name"][0]["nameParts"][0]["value"] = "Mallory"
            forged["vc"]["credentialSubject"]["birthDate"] = [{"value": "1990-01-01"}]
            signed = ".".join([header, _b64url(json.dumps(forged).encode()), signature])
        return signed


def _asks_for_identity(query: dict[str, str]) -> bool:
    """Did /authorize ask for a P2 identity and the coreIdentityJWT claim, as One Login requires both?"""
    try:
        vtr = json.loads(query.get("vtr", "[]"))
        claims = json.loads(query.get("claims", "{}"))
    except ValueError:
        return False
    wants_p2 = isinstance(vtr, list) and any(isinstance(v, str) and v.endswith(".P2") for v in vtr)
    userinfo = claims.get("userinfo") if isinstance(claims, dict) else None
    return wants_p2 and isinstance(userinfo, dict) and CORE_IDENTITY_CLAIM in userinfo
