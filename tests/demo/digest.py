"""A fingerprint of everything the demo generator writes, for determinism tests."""

from __future__ import annotations

import hashlib

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt

from townhall.accounts.models import StaffRoleAssignment, Team, User
from townhall.demo.models import DemoRun
from townhall.places.models import Address, Street, Ward


def borough_rows() -> dict[str, list[tuple]]:
    """Rows of every table the generator fills, with ids, in a stable order.

    Left out on purpose: password hashes (salted) and User.date_joined (accounts'
    services stamp the creation time; see the demo README).
    """
    secrets = {a.user_id: decrypt(a.data["secret"]) for a in Authenticator.objects.filter(type=Authenticator.Type.TOTP)}
    return {
        "wards": list(
            Ward.objects.order_by("id").values_list(
                "id",
                "name",
                "slug",
                "code",
                "boundary_geojson",
                "area_sq_m",
                "min_lng",
                "min_lat",
                "max_lng",
                "max_lat",
            )
        ),
        "streets": list(
            Street.objects.order_by("id").values_list(
                "id", "usrn", "name", "locality", "town", "ward__code", "geometry_geojson", "lat", "lng"
            )
        ),
        "addresses": list(
            Address.objects.order_by("id").values_list(
                "id",
                "uprn",
                "sao",
                "pao_name",
                "pao_number",
                "pao_suffix",
                "street__usrn",
                "locality",
                "town",
                "postcode",
                "lat",
                "lng",
                "easting",
                "northing",
                "ward__code",
                "search_text",
            )
        ),
        "users": [
            (u.id, u.email, u.given_name, u.family_name, u.is_active, u.has_usable_password(), secrets.get(u.id, ""))
            for u in User.objects.order_by("id")
        ],
        "emails": list(
            EmailAddress.objects.order_by("id").values_list("id", "user_id", "email", "verified", "primary")
        ),
        "roles": list(StaffRoleAssignment.objects.order_by("id").values_list("id", "user_id", "role")),
        "teams": [
            (t.id, t.name, t.slug, sorted(t.members.values_list("id", flat=True))) for t in Team.objects.order_by("id")
        ],
        "runs": list(DemoRun.objects.order_by("id").values_list("id", "seed", "scale", "as_of")),
    }


def borough_digest() -> str:
    return hashlib.sha256(repr(borough_rows()).encode()).hexdigest()
