"""GOV.UK One Login identity: asking for it, and checking the coreIdentityJWT it sends back.

A provider configured with "govuk_identity": true (townhall.core.config) asks One Login for
a medium-confidence identity: the authorization request carries `vtr=["Cl.Cm.P2"]`
(medium-level authentication, identity profile P2) and a `claims` request for
`https://vocab.account.gov.uk/v1/coreIdentityJWT` in userinfo. That claim is a JWT signed
(ES256) with One Login's identity key, not the key that signs ID tokens, so it is checked
against the public key the council configured, and must be:

- signed by that key with ES256, unexpired and already valid (nbf), issued by the
  configured identity issuer for this client;
- about the person who signed in (`sub` equals the verified ID token's `sub`);
- at vector of trust `vot` "P2";
- carrying the checked name (`vc.credentialSubject.name[].nameParts`) and date of birth
  (`vc.credentialSubject.birthDate[].value`).

Anything else raises CoreIdentityRefusedError, whose message is fit to show the resident;
the check that failed is logged, never the claims.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from typing import Any

import jwt

from townhall.myaccount.services import ProvenIdentity

CORE_IDENTITY_CLAIM = "https://vocab.account.gov.uk/v1/coreIdentityJWT"
# Medium-level authentication with a medium-confidence identity (GPG 44 "Cm", GPG 45 "P2").
IDENTITY_VTR = '["Cl.Cm.P2"]'
REQUIRED_VOT = "P2"
LEEWAY_SECONDS = 60

PLAIN_REFUSAL = (
    "You are signed in, but we could not confirm your identity with GOV.UK One Login, so we have not "
    "linked your account to your council records. You can try again, or confirm your identity another way."
)


class CoreIdentityRefusedError(Exception):
    """The identity One Login sent did not pass a check; `str()` names the check (no personal data)."""


def identity_auth_params() -> dict[str, str]:
    """The authorization request's extra parameters that ask One Login for a P2 identity."""
    return {"vtr": IDENTITY_VTR, "claims": json.dumps({"userinfo": {CORE_IDENTITY_CLAIM: None}})}


def _name(subject: dict[str, Any]) -> tuple[str, str]:
    names = subject.get("name")
    if not isinstance(names, list) or not names or not isinstance(names[0], dict):
        raise CoreIdentityRefusedError("the identity has no name")
    parts = names[0].get("nameParts")
    if not isinstance(parts, list):
        raise CoreIdentityRefusedError("the identity's name has no parts")
    given = " ".join(
        str(p.get("value", "")).strip() for p in parts if isinstance(p, dict) and p.get("type") == "GivenName"
    )
    family = " ".join(
        str(p.get("value", "")).strip() for p in parts if isinstance(p, dict) and p.get("type") == "FamilyName"
    )
    if not given.strip() or not family.strip():
        raise CoreIdentityRefusedError("the identity's name lacks a given or family name")
    return given.strip(), family.strip()


def _birth_date(subject: dict[str, Any]) -> dt.date:
    dates = subject.get("birthDate")
    if not isinstance(dates, list) or not dates or not isinstance(dates[0], dict):
        raise CoreIdentityRefusedError("the identity has no date of birth")
    try:
        return dt.date.fromisoformat(str(dates[0].get("value", "")))
    except ValueError as exc:
        raise CoreIdentityRefusedError("the identity's date of birth is not a date") from exc


def verify_core_identity(
    token: object, *, public_key_pem: str, issuer: str, audience: str, subject: str
) -> ProvenIdentity:
    """Check a coreIdentityJWT as the module docstring lists; return what it proves."""
    if not isinstance(token, str) or not token:
        raise CoreIdentityRefusedError("no coreIdentityJWT in the user info")
    try:
        if jwt.get_unverified_header(token).get("alg") != "ES256":
            raise CoreIdentityRefusedError("the identity JWT is not signed with ES256")
        claims: dict[str, Any] = jwt.decode(
            token,
            key=public_key_pem,
            algorithms=["ES256"],
            issuer=issuer,
            audience=audience,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "vot", "vc"]},
        )
    except jwt.PyJWTError as exc:
        raise CoreIdentityRefusedError(f"the identity JWT did not verify: {type(exc).__name__}") from exc
    if not hmac.compare_digest(str(claims["sub"]).encode(), subject.encode()):
        raise CoreIdentityRefusedError("the identity is about someone other than the person who signed in")
    if claims["vot"] != REQUIRED_VOT:
        raise CoreIdentityRefusedError(f"the identity's vector of trust is {claims['vot']!r}, not {REQUIRED_VOT!r}")
    credential = claims["vc"]
    subject_claims = credential.get("credentialSubject") if isinstance(credential, dict) else None
    if not isinstance(subject_claims, dict):
        raise CoreIdentityRefusedError("the identity has no credentialSubject")
    given, family = _name(subject_claims)
    return ProvenIdentity(
        given_name=given, family_name=family, date_of_birth=_birth_date(subject_claims), vot=str(claims["vot"])
    )
