"""GeoReport v2 responses in JSON and XML, from the same plain data.

JSON: the top level is an array (discovery is the one object), absent values are null,
booleans are real booleans. XML: element names as the spec gives them, absent values
are empty elements, booleans are `true`/`false`, lists are wrapped (`attributes` holds
`attribute` elements, `values` holds `value`, ...).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

JSON = "json"
XML = "xml"
FORMATS = (JSON, XML)
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}

# The element each item of a list is wrapped in, by the list's own element name.
ITEM_ELEMENTS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}

Row = Mapping[str, Any]
# Characters XML 1.0 cannot carry at all (C0 controls other than tab, newline, carriage
# return; lone surrogates; U+FFFE/U+FFFF): dropped from XML text so the document stays well formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def w3c_datetime(moment: dt.datetime | None) -> str | None:
    """A W3C (ISO 8601) date-time with its offset, in UTC, to the second: 2026-03-01T09:30:00+00:00."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    _fill(element, name, value)


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for item in value:
            _append(element, ITEM_ELEMENTS[name], item)
    else:
        element.text = _text(value)


def xml_document(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, root, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def render(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    """`value` (a list of rows, or one mapping for discovery) as `fmt`; `root` names the XML document element."""
    body = xml_document(root, value) if fmt == XML else json.dumps(value, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, status: int, descriptions: Sequence[str]) -> HttpResponse:
    """The spec's error list: [{"code": 400, "description": "..."}] / <errors><error>...</error></errors>."""
    return render(fmt, "errors", [{"code": status, "description": text} for text in descriptions], status=status)
