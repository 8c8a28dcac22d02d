"""A local stand-in for the GOV.UK Notify REST API (v2), served from a thread on 127.0.0.1.

It speaks the parts Townhall uses as Notify documents them:

- `POST /v2/notifications/email` (email_address, template_id, personalisation, reference,
  optional email_reply_to_id), `POST /v2/notifications/sms` (phone_number, …) and
  `POST /v2/notifications/letter` (the address as personalisation address_line_1 to
  address_line_7: at least 3 lines, the last a UK postcode), answering 201 with `id`,
  `reference`, `content`, `uri` and `template`;
- authentication by `Authorization: Bearer <JWT>`: HS256, signed with the secret half of
  the API key, `iss` the service id, `iat` within 30 seconds of now. A wrong or missing
  token gets 403 AuthError, as Notify answers;
- validation errors as 400 `{"status_code": 400, "errors": [{"error": "ValidationError",
  "message": …}]}`, an unknown template as 400 BadRequestError.

`fail_with(status)` answers the next requests with a Notify-shaped error (429 rate limit,
500 internal error …) until `fail_with(None)`. Every request is kept in `calls`, with the
decoded token claims, whether it was accepted or not.

    api = FakeNotifyApi(service_id, secret, templates={template_id})
    api.start()
    key = api.api_key("townhall_test")   # "<name>-<service id>-<secret>"
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

from tests.fakes.smtp_server import HOST, free_port

TOKEN_MAX_AGE_SECONDS = 30
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UK_MOBILE = re.compile(r"^(?:\+44|0044|0)7\d{9}$")
_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
_ERROR_NAMES = {403: "AuthError", 429: "RateLimitError", 500: "Exception", 503: "Exception"}


@dataclass
class NotifyCall:
    path: str
    body: dict[str, Any]
    claims: dict[str, Any] | None
    status: int
    response: dict[str, Any] = field(default_factory=dict)


class FakeNotifyApi:
    def __init__(self, service_id: str, secret: str, *, templates: set[str] | None = None) -> None:
        self.service_id = service_id
        self.secret = secret
        self.templates = set(templates or ())
        self.port = free_port()
        self.calls: list[NotifyCall] = []
        self.forced_status: int | None = None
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def api_key(self, name: str = "townhall_test") -> str:
        return f"{name}-{self.service_id}-{self.secret}"

    def fail_with(self, status: int | None) -> None:
        self.forced_status = status

    def accepted(self) -> list[NotifyCall]:
        with self.lock:
            return [call for call in self.calls if call.status == 201]

    # --- the API --------------------------------------------------------------------

    def _claims(self, authorization: str) -> tuple[dict[str, Any] | None, str]:
        if not authorization.startswith("Bearer "):
            return None, "Unauthorized: authentication token must be provided"
        token = authorization.removeprefix("Bearer ")
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self.secret, algorithms=["HS256"], options={"require": ["iss", "iat"], "verify_iat": False}
            )
        except jwt.InvalidTokenError:
            return None, "Invalid token: signature, api token not found"
        if jwt.get_unverified_header(token).get("typ") != "JWT":
            return claims, "Invalid token: type"
        if claims["iss"] != self.service_id:
            return claims, "Invalid token: service not found"
        if abs(time.time() - int(claims["iat"])) > TOKEN_MAX_AGE_SECONDS:
            return claims, "Error: Your system clock must be accurate to within 30 seconds"
        return claims, ""

    def _validate(self, kind: str, body: dict[str, Any]) -> tuple[int, str, str]:
        """("", "") when valid, else the HTTP status, Notify error name and message."""
        template_id = str(body.get("template_id", ""))
        if kind == "email" and not _EMAIL.match(str(body.get("email_address", ""))):
            return 400, "ValidationError", "email_address Not a valid email address"
        if kind == "letter":
            personalisation = body.get("personalisation") or {}
            lines = [personalisation.get(f"address_line_{n}") for n in range(1, 8)]
            given = [str(line) for line in lines if line]
            if len(given) < 3:
                return 400, "ValidationError", "Address must be at least 3 lines"
            if not _UK_POSTCODE.match(given[-1].upper()):
                return 400, "ValidationError", "Last line of address must be a real UK postcode or another country"
        if kind == "sms" and not _UK_MOBILE.match(re.sub(r"[\s()-]", "", str(body.get("phone_number", "")))):
            return 400, "ValidationError", "phone_number Not a UK mobile number"
        try:
            uuid.UUID(template_id)
        except ValueError:
            return 400, "ValidationError", "template_id is not a valid UUID"
        if template_id not in self.templates:
            return 400, "BadRequestError", "Template not found"
        if not isinstance(body.get("personalisation", {}), dict):
            return 400, "ValidationError", "personalisation is not of type object"
        if "reference" in body and not isinstance(body["reference"], str):
            return 400, "ValidationError", "reference is not of type string"
        return 0, "", ""

    def _created(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        notification_id = str(uuid.uuid4())
        personalisation = body.get("personalisation") or {}
        content: dict[str, Any] = {"body": str(personalisation.get("body", ""))}
        if kind == "letter":
            content.update(subject=str(personalisation.get("subject", "")))
        elif kind == "email":
            content.update(subject=str(personalisation.get("subject", "")), from_email="council@notifications.example")
        else:
            content.update(from_number="COUNCIL")
        return {
            "id": notification_id,
            "reference": body.get("reference"),
            "content": content,
            "uri": f"{self.base_url}/v2/notifications/{notification_id}",
            "template": {
                "id": body["template_id"],
                "version": 1,
                "uri": f"{self.base_url}/services/{self.service_id}/templates/{body['template_id']}",
            },
            "scheduled_for": None,
        }

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        kinds = {
            "/v2/notifications/email": "email",
            "/v2/notifications/sms": "sms",
            "/v2/notifications/letter": "letter",
        }
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        claims, auth_problem = self._claims(headers.get("Authorization", ""))
        if path not in kinds:
            status, response = 404, _error(404, "BadRequestError", "Not found")
        elif auth_problem:
            status, response = 403, _error(403, "AuthError", auth_problem)
        elif self.forced_status is not None:
            status = self.forced_status
            response = _error(status, _ERROR_NAMES.get(status, "Exception"), "Forced failure")
        else:
            status, name, message = self._validate(kinds[path], body)
            if status:
                response = _error(status, name, message)
            else:
                status, response = 201, self._created(kinds[path], body)
        with self.lock:
            self.calls.append(NotifyCall(path, body, claims, status, response))
        return status, response

    # --- serving --------------------------------------------------------------------

    def start(self) -> FakeNotifyApi:
        if self._server is None:
            api = self

            class Handler(BaseHTTPRequestHandler):
                def do_POST(self) -> None:
                    raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                    status, response = api.handle(self.path, dict(self.headers.items()), raw)
                    data = json.dumps(response).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

                def log_message(self, format: str, *args: Any) -> None:
                    pass

            self._server = ThreadingHTTPServer((HOST, self.port), Handler)
            threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _error(status: int, name: str, message: str) -> dict[str, Any]:
    return {"status_code": status, "errors": [{"error": name, "message": message}]}
