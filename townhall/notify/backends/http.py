"""One JSON POST over HTTP(S) with the standard library, for the webhook and GOV.UK Notify backends.

Redirects are not followed (a webhook must not be bounced to another address with its
signature), every call has a timeout, and network failures become DeliveryError.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

from townhall.notify.backends.base import DeliveryError

MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "Townhall-Notify/1"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


_OPENER = urllib.request.build_opener(_RefuseRedirects)


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> HttpResponse:
    """POST `body`; return the status and (the start of) the response body, whatever the status."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise DeliveryError("The destination URL is not http or https.", permanent=True)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body, method="POST", headers={"User-Agent": USER_AGENT, **headers}
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpResponse(response.status, response.read(MAX_RESPONSE_BYTES))
    except urllib.error.HTTPError as error:
        with error:
            return HttpResponse(error.code, error.read(MAX_RESPONSE_BYTES))
    except TimeoutError:
        raise DeliveryError(f"No response within {timeout:g} seconds.") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        detail = type(reason).__name__ if isinstance(reason, BaseException) else str(reason)
        raise DeliveryError(f"Could not connect: {detail}.") from None
