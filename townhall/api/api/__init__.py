"""Townhall's own API, version 1 (/api/v1/): the service catalogue and service requests, described by OpenAPI.

Thin: endpoints parse input, call service_requests' services and this app's or other apps'
selectors, and shape the answer. Every error is an RFC 9457 problem (problems.py, ADR 0011).
The interactive docs (/api/v1/docs) are django-ninja's bundled Swagger UI, served from our
own static files: nothing is loaded from a CDN and Swagger's online validator is switched off.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Swagger

from townhall.api.api import catalogue, me, problems, requests
from townhall.api.api.auth import AnonymousPerAddress

DESCRIPTION = """\
Report problems to the council and follow them, read the service catalogue and public reports.

* Public reads need no authentication; anonymous callers are rate limited per IP address
  (429 with `Retry-After`).
* Residents use their signed-in session (send the `X-CSRFToken` header on writes).
* Client applications send `Authorization: Bearer <key>` with a key from the council; each key is
  rate limited per minute (429 with `Retry-After`).
* Every error is `application/problem+json` (RFC 9457) with an `errors` list of
  `{"loc": [...], "msg": ..., "type": ...}` naming the fields at fault.
"""


class TownhallApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Error responses are documented with the media type they really have."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[problems.MEDIA_TYPE] = content.pop("application/json")
        return schema


api = TownhallApi(
    title="Townhall API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    # No online validator (it would call out); no deep links (links nested in the operation buttons);
    # plain examples (the highlighting theme's colours fail contrast).
    docs=Swagger(settings={"validatorUrl": None, "deepLinking": False, "syntaxHighlight": False}),
    throttle=[AnonymousPerAddress()],
)
problems.install(api)
api.add_router("", catalogue.router)
api.add_router("", requests.router)
api.add_router("", me.router)
