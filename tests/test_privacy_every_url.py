"""Every URL of Townhall, tried by everyone: nobody sees another resident's private data (issue 4, check 4).

The URL patterns come from the live resolver. Each one must have a row in `TABLE` saying,
for five visitors, what the answer must be; a pattern without a row fails
`test_every_url_pattern_is_classified`, so whoever adds a URL decides who may open it.

The visitors: anonymous; resident A, who reported three requests (a public pothole with
an internal note on it, one in a non-public category, one staff flagged as sensitive)
with her name, email and phone; resident B, her neighbour; a case officer of another
team; and a case officer of the team the requests are routed to (the control: staff
who may see them). On every response (HTML, Atom, JSON, XML, headers included):

- A's name, email and phone appear only for A herself and for A's team, and then only in
  a response that wrote an audit entry (staff views of reporter details are audited);
- the internal note appears only for A's team (never for A);
- the sensitive and non-public requests (reference, description) appear only for A and
  A's team (except a reference the visitor typed into the URL itself, said back in a
  "not found", and where a row says `reveals=`: an Open311 token tells its holder the id).

Public lists, maps and feeds must also list A's public request (`lists=`), so a list
cannot pass by being empty.

Patterns are not exercised only where a reason is written down (`SKIPPED_PREFIXES`, and
rows with `reason=` and no cases).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.test.client import MULTIPART_CONTENT
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image

from tests.conftest import TEST_PASSWORD
from tests.service_requests.conftest import (  # noqa: F401 - fixtures
    NORTH_POINT,
    Borough,
    Teams,
    borough,
    make_category,
    pothole,
    roads,
    sign_in_with_mfa,
    teams,
)
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import Team, User
from townhall.audit.models import AuditEntry
from townhall.notify.models import Correspondence
from townhall.open311 import services as open311_services
from townhall.service_requests import report_views
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import Category, CategoryGroup, ServiceRequest
from townhall.service_requests.photos import photo_prepare

# --- who visits ----------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
RESIDENT_A = "resident A (the reporter)"
RESIDENT_B = "resident B"
OTHER_TEAM = "case officer of another team"
A_TEAM = "case officer of A's team"
VISITORS = (ANONYMOUS, RESIDENT_A, RESIDENT_B, OTHER_TEAM, A_TEAM)

# --- A's private data ------------------------------------------------------------------------------

A_GIVEN, A_FAMILY = "Wilhelmina", "Quarterfold"
A_EMAIL = "wilhelmina.quarterfold@example.org"
A_PHONE = "01632 960 418"
INTERNAL_NOTE = "Reporter is in a neighbour dispute at number 14"
PUBLIC_MESSAGE = "A crew will fill this pothole next week"
SENSITIVE_DESCRIPTION = "Needles left by the swings, I live at the corner house"
HIDDEN_DESCRIPTION = "My elderly father is being neglected by his carers"

PERSONAL = (A_GIVEN, A_FAMILY, A_EMAIL, A_PHONE, A_PHONE.replace(" ", ""))


# --- what the answer must be ---------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """An acceptable answer, named so a failure reads as the rule that was broken."""

    name: str
    accepts: Callable[[HttpResponse], bool]


def _redirect_to(response: HttpResponse, path: str) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path == path


OK = Expect("200", lambda r: r.status_code == 200)
NOT_FOUND = Expect("404", lambda r: r.status_code == 404)
SIGN_IN = Expect("redirect to sign in", lambda r: _redirect_to(r, "/auth/login/"))
TO_REPORT_START = Expect("redirect to /report/", lambda r: _redirect_to(r, "/report/"))
REDIRECT = Expect("redirect", lambda r: r.status_code in {301, 302, 303})
OK_OR_REDIRECT = Expect("200 or redirect", lambda r: r.status_code in {200, 301, 302, 303})
ANSWERED = Expect("any answer but a server error", lambda r: r.status_code < 500)
HEALTH = Expect("200 or 503", lambda r: r.status_code in {200, 503})
REFUSED = Expect("403 or 404", lambda r: r.status_code in {403, 404})
NOT_ALLOWED = Expect("405", lambda r: r.status_code == 405)
BAD_REQUEST = Expect("400", lambda r: r.status_code == 400)
FORM_ERRORS = Expect("400 with the form's errors", lambda r: r.status_code == 400)
# allauth's passkey pages: confirm it is you first (password or MFA), then 404 for a key that is not yours.
OWN_KEY_ONLY = Expect(
    "confirm it is you, or 404",
    lambda r: r.status_code == 404 or (r.status_code == 302 and "reauthenticate" in urlsplit(r["Location"]).path),
)
API_REFUSED = Expect("401, 403 or 404", lambda r: r.status_code in {401, 403, 404})


def everyone(expect: Expect) -> dict[str, Expect]:
    return dict.fromkeys(VISITORS, expect)


def staff_door(*, other_team: Expect, a_team: Expect) -> dict[str, Expect]:
    """/staff/: anonymous visitors are sent to sign in, residents get 404 (StaffAreaMiddleware)."""
    return {
        ANONYMOUS: SIGN_IN,
        RESIDENT_A: NOT_FOUND,
        RESIDENT_B: NOT_FOUND,
        OTHER_TEAM: other_team,
        A_TEAM: a_team,
    }


# A staff page for roles the two case officers do not hold (stewards, IG, administrators...): both get 404.
FOR_OTHER_ROLES = staff_door(other_team=NOT_FOUND, a_team=NOT_FOUND)


def owner_only(*, owner: Expect, others: Expect, anonymous: Expect | None = None) -> dict[str, Expect]:
    """A's own pages: A gets `owner`, everyone else `others` (anonymous visitors `anonymous` if given)."""
    expected = dict.fromkeys(VISITORS, others)
    expected[RESIDENT_A] = owner
    if anonymous is not None:
        expected[ANONYMOUS] = anonymous
    return expected


def signed_in_only(*, signed_in: Expect) -> dict[str, Expect]:
    expected = dict.fromkeys(VISITORS, signed_in)
    expected[ANONYMOUS] = SIGN_IN
    return expected


# --- the fixtures URLs are built from ---------------------------------------------------------------


@dataclass(frozen=True)
class World:
    public: ServiceRequest  # A's pothole: public, with a public update and an internal note
    sensitive: ServiceRequest  # A's pothole that staff flagged as sensitive
    hidden: ServiceRequest  # A's report in a non-public category
    resident_a: User
    officer: User  # a case officer of the team A's requests go to
    draft_id: str  # a report A has started (it lives in A's session)
    token: str  # an Open311 token that points at the non-public request
    category: Category
    ward_code: str
    public_photo: int  # a photo of the public request
    hidden_photo: int  # a photo of the non-public request
    public_update: int  # the update carrying the public message and the internal note
    document: int  # a staff document on the public request
    saved_filter: int  # a saved queue filter of A's team's officer
    follow_token: str  # "follow this report" link emailed to A
    manage_token: str  # a manage link for the public request (valid only for reports made without an account)
    alert_confirm_token: str  # A's area alert: confirm and unsubscribe links emailed to her
    alert_unsubscribe_token: str
    message: int  # A's copy of her acknowledgement email, in her account inbox


Build = Callable[[World], str]


@dataclass(frozen=True)
class Case:
    """One concrete URL (built from the fixtures), one method, and the answer each visitor must get."""

    url: Build
    expect: dict[str, Expect]
    method: str = "get"
    data: dict[str, str] | str = field(default_factory=dict)
    content_type: str = MULTIPART_CONTENT
    # World requests whose reference this URL may show by design (a token's holder learns its request's id).
    reveals: tuple[str, ...] = ()
    # World requests a 200 answer must list: the control that a public list is not simply empty.
    lists: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    """How one URL pattern is exercised. No cases means not exercised, and `reason` says why."""

    what: str
    cases: tuple[Case, ...] = ()
    reason: str = ""


def get(url: Build, expect: dict[str, Expect]) -> Case:
    return Case(url, expect)


def public_list(url: Build) -> Case:
    """A public list, map or feed: answers everyone, and lists A's public request (but nothing hidden)."""
    return Case(url, everyone(OK), lists=("public",))


def post(url: Build, expect: dict[str, Expect], **data: str) -> Case:
    return Case(url, expect, method="post", data=data)


def post_json(url: Build, expect: dict[str, Expect], body: dict[str, str]) -> Case:
    return Case(url, expect, method="post", data=json.dumps(body), content_type="application/json")


def fixed(path: str) -> Build:
    return lambda world: path


def track(attribute: str) -> Build:
    return lambda world: f"/report/{getattr(world, attribute).reference}/"


def staff_request(attribute: str, suffix: str = "") -> Build:
    return lambda world: f"/staff/requests/{getattr(world, attribute).pk}/{suffix}"


def open311(attribute: str, fmt: str) -> Build:
    return lambda world: f"/open311/v2/requests/{getattr(world, attribute).reference}.{fmt}"


def draft(step: str) -> Build:
    return lambda world: f"/report/draft/{world.draft_id}/{step}/"


def reference(attribute: str, suffix: str) -> Build:
    """/report/<reference of world.attribute>/<suffix>"""
    return lambda world: f"/report/{getattr(world, attribute).reference}/{suffix}"


def api_request(attribute: str, suffix: str = "") -> Build:
    return lambda world: f"/api/v1/requests/{getattr(world, attribute).reference}{suffix}"


def my_request(attribute: str) -> Build:
    return lambda world: f"/api/v1/me/requests/{getattr(world, attribute).reference}"


def document_url(world: World) -> str:
    return f"/staff/requests/{world.public.pk}/documents/{world.document}/"


def each_format(make: Callable[[str], Case]) -> tuple[Case, ...]:
    return tuple(make(fmt) for fmt in ("json", "xml"))


STAFF_HOME = staff_door(other_team=OK, a_team=OK)
STAFF_ANSWERED = staff_door(other_team=OK_OR_REDIRECT, a_team=OK_OR_REDIRECT)
# A POST changing one of A's requests: another team's officer gets 404 before anything
# changes; A's team gets the form back with errors or a redirect (the data is empty).
A_REQUEST_ACTION = staff_door(other_team=NOT_FOUND, a_team=ANSWERED)
A_SESSION_ONLY = everyone(NOT_FOUND)
ADMINISTRATORS_ONLY = staff_door(other_team=REFUSED, a_team=REFUSED)
# The open data back office: team managers and data stewards only; case officers get 404.
OPEN_DATA_BACK_OFFICE = FOR_OTHER_ROLES
OPEN_DATA_ID = "00000000-0000-0000-0000-000000000001"
A_REQUEST_PAGE = staff_door(other_team=NOT_FOUND, a_team=OK)
A_REQUEST_POST_ONLY = staff_door(other_team=NOT_ALLOWED, a_team=NOT_ALLOWED)
CLOSE_IT = {"external_id": "privacy-check-1", "status": "fixed", "message": "Closed by someone who may not"}
DRAFT_STEP = owner_only(owner=OK_OR_REDIRECT, others=TO_REPORT_START)
DRAFT_NOT_OFFERED = owner_only(owner=NOT_FOUND, others=TO_REPORT_START)

# Keyed by URL name ("namespace:name"), or by the route where a pattern has no name.
TABLE: dict[str, Row] = {
    # --- site shell ---
    "home": Row("home page", (get(fixed("/"), everyone(OK)),)),
    "accessibility_statement": Row("static page", (get(fixed("/accessibility-statement"), everyone(OK)),)),
    "privacy": Row("static page", (get(fixed("/privacy"), everyone(OK)),)),
    "cookies": Row("static page", (get(fixed("/cookies"), everyone(OK)),)),
    "help": Row("static page", (get(fixed("/help"), everyone(OK)),)),
    "favicon": Row("icon", (get(fixed("/favicon.ico"), everyone(OK_OR_REDIRECT)),)),
    "healthz": Row("liveness", (get(fixed("/healthz"), everyone(HEALTH)),)),
    "readyz": Row("readiness", (get(fixed("/readyz"), everyone(HEALTH)),)),
    # --- MyAccount ---
    "account_overview": Row(
        "the visitor's own sign-in settings", (get(fixed("/account/security/"), signed_in_only(signed_in=OK)),)
    ),
    "myaccount:dashboard": Row(
        "the visitor's own account overview", (get(fixed("/account/"), signed_in_only(signed_in=OK)),)
    ),
    "myaccount:timeline": Row(
        "the visitor's own timeline", (get(fixed("/account/timeline/"), signed_in_only(signed_in=OK)),)
    ),
    "myaccount:feed_settings": Row(
        "the visitor's own feed address (GET never shows a secret)",
        (get(fixed("/account/timeline/feed/"), signed_in_only(signed_in=OK)),),
    ),
    "myaccount:suggestion": Row(
        "open a suggested public report (remembered for the ranking), then its public page",
        (
            get(
                lambda world: f"/account/timeline/suggestion/{world.public.reference}/",
                signed_in_only(signed_in=REDIRECT),
            ),
            get(
                lambda world: f"/account/timeline/suggestion/{world.hidden.reference}/",
                signed_in_only(signed_in=NOT_FOUND),
            ),
        ),
    ),
    "myaccount:suggestion_notice": Row(
        "open a suggested council notice (its service area remembered for the ranking), then its public page",
        (get(fixed("/account/timeline/notice/999999/"), signed_in_only(signed_in=NOT_FOUND)),),
    ),
    "myaccount:messages": Row(
        "the visitor's own inbox", (get(fixed("/account/messages/"), signed_in_only(signed_in=OK)),)
    ),
    "myaccount:message": Row(
        "one of A's messages: A only",
        (
            get(
                lambda world: f"/account/messages/{world.message}/",
                owner_only(owner=OK, others=NOT_FOUND, anonymous=SIGN_IN),
            ),
        ),
    ),
    "myaccount:message_download": Row(
        "download one of A's messages: A only",
        (
            get(
                lambda world: f"/account/messages/{world.message}/download/",
                owner_only(owner=OK, others=NOT_FOUND, anonymous=SIGN_IN),
            ),
        ),
    ),
    "myaccount:message_pdf": Row(
        "one of A's messages as a PDF: A only",
        (
            get(
                lambda world: f"/account/messages/{world.message}/pdf/",
                owner_only(owner=OK, others=NOT_FOUND, anonymous=SIGN_IN),
            ),
        ),
    ),
    "myaccount:details": Row(
        "the visitor's own details", (get(fixed("/account/details/"), signed_in_only(signed_in=OK)),)
    ),
    "myaccount:address": Row(
        "the visitor's own change of address",
        (
            get(fixed("/account/details/address/"), signed_in_only(signed_in=OK)),
            get(fixed("/account/details/address/?postcode=TS1+1AA"), signed_in_only(signed_in=OK)),
        ),
    ),
    "myaccount:preferences": Row(
        "the visitor's own contact preferences", (get(fixed("/account/preferences/"), signed_in_only(signed_in=OK)),)
    ),
    "myaccount:consents": Row(
        "the visitor's own consents", (get(fixed("/account/consent/"), signed_in_only(signed_in=OK)),)
    ),
    "myaccount:volunteering": Row(
        "the visitor's own volunteering sign-up", (get(fixed("/account/volunteering/"), signed_in_only(signed_in=OK)),)
    ),
    "myaccount:data": Row(
        "the visitor's own data downloads (residents only; GET asks for nothing)",
        (
            get(
                fixed("/account/your-data/"), {**signed_in_only(signed_in=OK), OTHER_TEAM: NOT_FOUND, A_TEAM: NOT_FOUND}
            ),
        ),
    ),
    "myaccount:data_download": Row(
        "a download of the owner's data: 404 unless it is the visitor's own, ready and unexpired "
        "(a real one, tried by its owner and by another resident: tests/myaccount/test_data_export.py)",
        (get(fixed("/account/your-data/999999/download/"), signed_in_only(signed_in=NOT_FOUND)),),
    ),
    "myaccount:erase": Row(
        "erase the visitor's own data (residents only; GET shows what would go, nothing is erased)",
        (
            get(
                fixed("/account/your-data/erase/"),
                {**signed_in_only(signed_in=OK), OTHER_TEAM: NOT_FOUND, A_TEAM: NOT_FOUND},
            ),
        ),
    ),
    "myaccount:subject_access": Row(
        "the visitor's own requests for records other council systems hold (residents only; a POST from an "
        "unverified account asks for nothing: tests/myaccount/test_subject_access.py)",
        (
            get(
                fixed("/account/your-data/council-records/"),
                {**signed_in_only(signed_in=OK), OTHER_TEAM: NOT_FOUND, A_TEAM: NOT_FOUND},
            ),
            post(
                fixed("/account/your-data/council-records/"),
                {**signed_in_only(signed_in=REDIRECT), OTHER_TEAM: NOT_FOUND, A_TEAM: NOT_FOUND},
            ),
        ),
    ),
    "myaccount:subject_access_download": Row(
        "records released to the owner: 404 unless released to the visitor (a real one, tried by its owner, "
        "another resident and the officer: tests/myaccount/test_subject_access.py)",
        (get(fixed("/account/your-data/council-records/999999/download/"), signed_in_only(signed_in=NOT_FOUND)),),
    ),
    "staff_subject_access_list": Row(
        "requests for council records (information governance; tests/myaccount/test_subject_access.py)",
        (get(fixed("/staff/subject-access/"), FOR_OTHER_ROLES),),
    ),
    "staff_subject_access_detail": Row(
        "one request for council records, audited on every view (information governance)",
        (get(fixed("/staff/subject-access/1/"), FOR_OTHER_ROLES),),
    ),
    "staff_volunteers": Row(
        "digital champions (customer service advisers and team managers; tests/myaccount/test_staff_single_view.py)",
        (get(fixed("/staff/volunteers/"), FOR_OTHER_ROLES),),
    ),
    "staff_erasure_list": Row(
        "erasure requests to review (information governance; tests/myaccount/test_erasure.py)",
        (get(fixed("/staff/erasure/"), FOR_OTHER_ROLES),),
    ),
    "staff_erasure_detail": Row(
        "one erasure request (information governance)",
        (get(fixed("/staff/erasure/1/"), FOR_OTHER_ROLES),),
    ),
    "opendata_api_tokens": Row(
        "a data steward's own CKAN API tokens (nobody here is a steward; tests/opendata/test_account_tokens.py)",
        (get(fixed("/account/api-tokens/"), signed_in_only(signed_in=NOT_FOUND)),),
    ),
    "opendata_api_token_revoke": Row(
        "revoke one of your own tokens",
        (
            post(
                fixed("/account/api-tokens/00000000-0000-0000-0000-000000000001/revoke/"),
                signed_in_only(signed_in=NOT_FOUND),
            ),
        ),
    ),
    "opendata_search": Row("the open data catalogue (public datasets only)", (get(fixed("/data/"), everyone(OK)),)),
    "opendata_dataset": Row(
        "one dataset (drafts and private ones are 404; tests/opendata/test_pages.py)",
        (get(fixed("/data/dataset/no-such-dataset/"), everyone(NOT_FOUND)),),
    ),
    "insight:overview": Row(
        "Insight overview: counts only (any staff role; tests/insight/test_dashboards.py)",
        (get(fixed("/staff/insight/"), staff_door(other_team=OK, a_team=OK)),),
    ),
    "insight:area": Row(
        "a service area's dashboard (any staff role)",
        (
            get(
                lambda world: f"/staff/insight/areas/{world.category.group_id}/",
                staff_door(other_team=OK, a_team=OK),
            ),
        ),
    ),
    "insight:metrics": Row(
        "the metric catalogue and one metric split by category (any staff role)",
        (
            get(fixed("/staff/insight/metrics/"), staff_door(other_team=OK, a_team=OK)),
            get(
                fixed("/staff/insight/metrics/?metric=requests_received&by=category"),
                staff_door(other_team=OK, a_team=OK),
            ),
        ),
    ),
    "insight:csv": Row(
        "a chart's figures as CSV (any staff role)",
        (
            get(
                fixed("/staff/insight/metrics/csv/?metric=requests_received&view=breakdown&by=ward"),
                staff_door(other_team=OK, a_team=OK),
            ),
        ),
    ),
    "insight:pin": Row(
        "pin a metric to the visitor's own overview",
        (post(fixed("/staff/insight/pins/"), staff_door(other_team=REDIRECT, a_team=REDIRECT), metric="online_share"),),
    ),
    "insight:forecasts": Row(
        "demand forecasts and staffing (any staff role)",
        (get(fixed("/staff/insight/forecasts/"), staff_door(other_team=OK, a_team=OK)),),
    ),
    "insight:alerts": Row(
        "the visitor's own alerts", (get(fixed("/staff/insight/alerts/"), staff_door(other_team=OK, a_team=OK)),)
    ),
    "insight:alert_delete": Row(
        "remove one of the visitor's own alerts (someone else's is not found)",
        (post(fixed("/staff/insight/alerts/999999/"), FOR_OTHER_ROLES),),
    ),
    "waste:start": Row("bin collection days: the postcode question", (get(fixed("/bin-collections/"), everyone(OK)),)),
    "waste:address": Row(
        "bin collection days: addresses in a postcode (gazetteer only, nothing personal)",
        (
            get(fixed("/bin-collections/address/?postcode=TS40+1AB"), everyone(OK)),
            get(fixed("/bin-collections/address/?postcode=TS40+1AB&uprn=100000001"), everyone(REDIRECT)),
        ),
    ),
    "waste:collections": Row(
        "bin collection days of a property by UPRN (rounds only, nothing personal)",
        (
            get(fixed("/bin-collections/100000001/"), everyone(OK)),
            get(fixed("/bin-collections/1/"), everyone(NOT_FOUND)),
        ),
    ),
    "waste:calendar": Row(
        "a property's collections as iCalendar (404 here: the test borough's address is on no round)",
        (get(fixed("/bin-collections/100000001.ics"), everyone(NOT_FOUND)),),
    ),
    "waste_staff:overview": Row(
        "bin rounds and moved collections (team managers)", (get(fixed("/staff/bin-collections/"), FOR_OTHER_ROLES),)
    ),
    "waste_staff:change_create": Row(
        "move a collection (team managers)",
        (
            get(fixed("/staff/bin-collections/changes/new/"), FOR_OTHER_ROLES),
            post(fixed("/staff/bin-collections/changes/new/"), FOR_OTHER_ROLES, reason="Christmas Day"),
        ),
    ),
    "waste_staff:change_remove": Row(
        "undo a moved collection (team managers)",
        (post(fixed("/staff/bin-collections/changes/1/remove/"), FOR_OTHER_ROLES),),
    ),
    "performance": Row(
        "the public performance page (counts under 5 withheld)", (get(fixed("/performance/"), everyone(OK)),)
    ),
    "performance_csv": Row(
        "the performance figures as open data", (get(fixed("/performance/measures.csv"), everyone(OK)),)
    ),
    "performance_json": Row(
        "the performance figures as open data", (get(fixed("/performance/measures.json"), everyone(OK)),)
    ),
    # --- have your say (engagement): published consultations only; tests/engagement covers real ones ---
    "engagement:list": Row(
        "open, upcoming and closed consultations (published only)",
        (
            get(fixed("/have-your-say/"), everyone(OK)),
            get(fixed("/have-your-say/?status=closed&ward=999999"), everyone(OK)),
        ),
    ),
    "engagement:detail": Row(
        "one published consultation (drafts are 404; tests/engagement/test_public_pages.py)",
        (get(fixed("/have-your-say/no-such-consultation/"), everyone(NOT_FOUND)),),
    ),
    "engagement:respond": Row(
        "the response form of an open consultation (tests/engagement/test_responding.py)",
        (
            get(fixed("/have-your-say/no-such-consultation/respond/"), everyone(NOT_FOUND)),
            post(fixed("/have-your-say/no-such-consultation/respond/"), everyone(NOT_FOUND)),
        ),
    ),
    "engagement:response": Row(
        "a response, to the person who gave it only (another resident's is 404; tests/engagement)",
        (get(fixed("/have-your-say/no-such-consultation/response/HYS-AAAA-AAAA/"), everyone(NOT_FOUND)),),
    ),
    "engagement:results": Row(
        "counts per answer after close, never free text (tests/engagement/test_public_pages.py)",
        (get(fixed("/have-your-say/no-such-consultation/results/"), everyone(NOT_FOUND)),),
    ),
    # --- consultations back office: team managers and administrators; case officers get 404 ---
    "staff_consultations:list": Row(
        "every consultation, drafts included", (get(fixed("/staff/consultations/"), FOR_OTHER_ROLES),)
    ),
    "staff_consultations:create": Row(
        "start a consultation", (get(fixed("/staff/consultations/new/"), FOR_OTHER_ROLES),)
    ),
    "staff_consultations:detail": Row(
        "one consultation with its response count", (get(fixed("/staff/consultations/999999/"), FOR_OTHER_ROLES),)
    ),
    "staff_consultations:edit": Row(
        "change a consultation", (get(fixed("/staff/consultations/edit/999999/"), FOR_OTHER_ROLES),)
    ),
    "staff_consultations:questions": Row(
        "a consultation's questions", (get(fixed("/staff/consultations/questions/999999/"), FOR_OTHER_ROLES),)
    ),
    "staff_consultations:publish": Row(
        "publish (POST)", (post(fixed("/staff/consultations/publish/999999/"), FOR_OTHER_ROLES),)
    ),
    "staff_consultations:close": Row(
        "close early (POST)", (post(fixed("/staff/consultations/close/999999/"), FOR_OTHER_ROLES),)
    ),
    "staff_consultations:withdraw": Row(
        "withdraw (POST)", (post(fixed("/staff/consultations/withdraw/999999/"), FOR_OTHER_ROLES),)
    ),
    "staff_consultations:outcome": Row(
        "write the outcome", (get(fixed("/staff/consultations/outcome/999999/"), FOR_OTHER_ROLES),)
    ),
    "staff_consultations:responses_csv": Row(
        "every response as CSV (audited; tests/engagement/test_staff_pages.py)",
        (get(fixed("/staff/consultations/responses/999999/"), FOR_OTHER_ROLES),),
    ),
    # --- council notices (news, events, service changes; they hold no resident's data) ---
    "notices:list": Row(
        "public news, events and service changes",
        (
            get(fixed("/news/"), everyone(OK)),
            get(lambda world: f"/news/?kind=event&ward={world.ward_code}", everyone(OK)),
        ),
    ),
    "notices:detail": Row(
        "one published notice (drafts, scheduled and withdrawn ones answer 404: tests/notices/test_pages.py)",
        (get(fixed("/news/999999/"), everyone(NOT_FOUND)),),
    ),
    "notices_feed": Row("Atom feed of current notices", (get(fixed("/feeds/notices.atom"), everyone(OK)),)),
    "notices_feed_ward": Row(
        "Atom feed of A's ward's notices",
        (get(lambda world: f"/feeds/notices/ward/{world.ward_code}.atom", everyone(OK)),),
    ),
    "notices_staff:list": Row(
        "council notices back office (team managers and administrators)",
        (get(fixed("/staff/notices/"), FOR_OTHER_ROLES),),
    ),
    "notices_staff:create": Row("write a notice", (get(fixed("/staff/notices/new/"), FOR_OTHER_ROLES),)),
    "notices_staff:edit": Row("change a notice", (get(fixed("/staff/notices/edit/999999/"), FOR_OTHER_ROLES),)),
    "notices_staff:publish": Row(
        "publish or withdraw a notice",
        (
            get(fixed("/staff/notices/publish/999999/"), FOR_OTHER_ROLES),
            post(fixed("/staff/notices/publish/999999/"), FOR_OTHER_ROLES, when="now"),
        ),
    ),
    "myaccount:identity": Row(
        "the visitor's own identity check", (get(fixed("/account/identity/"), signed_in_only(signed_in=OK)),)
    ),
    "myaccount:representatives": Row(
        "the visitor's own representatives", (get(fixed("/account/representatives/"), signed_in_only(signed_in=OK)),)
    ),
    "myaccount:representation_end": Row(
        "end an authorisation: only one you are part of (none exists here)",
        (post(fixed("/account/representatives/999999/end/"), signed_in_only(signed_in=NOT_FOUND)),),
    ),
    "myaccount:act_for": Row(
        "act for A: only someone A authorised (nobody here, not even A herself)",
        (post(lambda world: f"/account/act-for/{world.resident_a.pk}/", signed_in_only(signed_in=NOT_FOUND)),),
    ),
    "myaccount:act_for_stop": Row(
        "back to one's own account", (post(fixed("/account/act-for/stop/"), signed_in_only(signed_in=REDIRECT)),)
    ),
    "myaccount_feed": Row(
        "a private timeline feed: the address is the credential, so any address that is not live is 404 "
        "(a live one is tested in tests/myaccount/test_timeline_feed.py)",
        (get(fixed("/feeds/account/not-a-live-secret/"), everyone(NOT_FOUND)),),
    ),
    "account_sign_in_history": Row(
        "the visitor's own sign-in history (there is no address for anyone else's)",
        (get(fixed("/account/security/sign-in-history/"), signed_in_only(signed_in=OK)),),
    ),
    "mfa_edit_webauthn": Row(
        "rename one of the visitor's own passkeys: allauth looks the key up among the visitor's own only",
        (
            get(
                fixed("/auth/2fa/webauthn/keys/999999/edit/"),
                owner_only(owner=OWN_KEY_ONLY, others=OWN_KEY_ONLY, anonymous=SIGN_IN),
            ),
        ),
    ),
    "mfa_remove_webauthn": Row(
        "remove one of the visitor's own passkeys: allauth looks the key up among the visitor's own only",
        (
            get(
                fixed("/auth/2fa/webauthn/keys/999999/remove/"),
                owner_only(owner=OWN_KEY_ONLY, others=OWN_KEY_ONLY, anonymous=SIGN_IN),
            ),
        ),
    ),
    "account_delete": Row(
        "close your own account (residents only; GET shows the form, nothing is deleted)",
        (
            get(
                fixed("/account/delete/"),
                {
                    ANONYMOUS: SIGN_IN,
                    RESIDENT_A: OK,
                    RESIDENT_B: OK,
                    OTHER_TEAM: NOT_FOUND,
                    A_TEAM: NOT_FOUND,
                },
            ),
        ),
    ),
    "account_delete_done": Row(
        "after closing an account: only the session that closed one sees it",
        (get(fixed("/account/delete/done/"), everyone(REDIRECT)),),
    ),
    # --- report a problem ---
    "report:start": Row("start page", (get(fixed("/report/"), everyone(OK)),)),
    "report:category": Row("A's draft", (get(draft("category"), DRAFT_STEP),)),
    "report:not_ours": Row("A's draft", (get(draft("not-ours"), DRAFT_STEP),)),
    "report:location": Row("A's draft", (get(draft("location"), DRAFT_STEP),)),
    "report:location_search": Row("A's draft", (get(draft("location/search"), DRAFT_STEP),)),
    "report:address": Row("A's draft", (get(draft("location/address"), DRAFT_STEP),)),
    "report:questions": Row("A's draft", (get(draft("questions"), DRAFT_STEP),)),
    "report:description": Row("A's draft", (get(draft("description"), DRAFT_STEP),)),
    "report:contact": Row("A's draft", (get(draft("contact"), DRAFT_STEP),)),
    "report:check": Row("A's draft", (get(draft("check"), DRAFT_STEP),)),
    "report:confirmation": Row(
        "confirmation: only the session that submitted the report",
        tuple(
            get(reference(attribute, "confirmation/"), owner_only(owner=OK, others=NOT_FOUND))
            for attribute in ("public", "sensitive", "hidden")
        ),
    ),
    "report:location_point": Row("A's draft: a point from the map", (post(draft("location/point"), DRAFT_STEP),)),
    "report:nearby": Row("A's draft: is it one of these?", (get(draft("nearby"), DRAFT_STEP),)),
    "report:photos": Row("A's draft: photos", (get(draft("photos"), DRAFT_STEP),)),
    "report:photo_remove": Row("A's draft: remove a photo", (post(draft("photos/remove"), DRAFT_STEP),)),
    "report:draft_photo": Row(
        "A's draft's photo; a submitted request's photo is never served as a draft's",
        (
            get(
                lambda world: f"/report/draft/{world.draft_id}/photos/{world.hidden_photo}/",
                owner_only(owner=NOT_FOUND, others=TO_REPORT_START),
            ),
        ),
    ),
    "report:follow": Row(
        "A's draft: follow a nearby report instead (404 for one the draft was not offered)",
        (post(lambda world: f"/report/draft/{world.draft_id}/follow/{world.public.reference}/", DRAFT_NOT_OFFERED),),
    ),
    "report:follow_email": Row(
        "A's draft: follow by email (404 for a report the draft was not offered)",
        (
            get(
                lambda world: f"/report/draft/{world.draft_id}/follow/{world.public.reference}/email/",
                DRAFT_NOT_OFFERED,
            ),
        ),
    ),
    "report:follow_confirm": Row(
        "the follow link emailed to A: whoever holds it sees a button, never A's email",
        (get(lambda world: f"/report/follow/{world.follow_token}/", everyone(OK)),),
    ),
    "report:confirm": Row(
        "email confirmation of a report made without an account: an unknown token is refused",
        (get(fixed("/report/confirm/not-a-real-token/"), everyone(NOT_FOUND)),),
    ),
    "report:following": Row(
        "'you are following': only the session that chose to follow",
        (get(reference("public", "following/"), A_SESSION_ONLY),),
    ),
    "report:photo": Row(
        "photos: the public request's for all; the non-public request's for nobody here (staff use the back office)",
        (
            get(lambda world: f"/report/{world.public.reference}/photos/{world.public_photo}/", everyone(OK)),
            get(lambda world: f"/report/{world.hidden.reference}/photos/{world.hidden_photo}/", everyone(NOT_FOUND)),
            get(lambda world: f"/report/{world.public.reference}/photos/{world.hidden_photo}/", everyone(NOT_FOUND)),
        ),
    ),
    "report:manage": Row(
        "manage link: only for reports made without an account (A has one), so 404 for all",
        (get(lambda world: f"/report/{world.public.reference}/manage/{world.manage_token}/", everyone(NOT_FOUND)),),
    ),
    "report:reporter_update": Row(
        "the reporter's update (an empty form adds nothing): A only",
        (post(reference("public", "update/"), owner_only(owner=FORM_ERRORS, others=NOT_FOUND)),),
    ),
    "report:reporter_reopen": Row(
        "the reporter's reopen (an empty form changes nothing): A only",
        (post(reference("public", "reopen/"), owner_only(owner=FORM_ERRORS, others=NOT_FOUND)),),
    ),
    "report:track": Row(
        "public tracking page: public requests for all; sensitive and non-public ones exist for nobody",
        (
            get(track("public"), everyone(OK)),
            get(track("sensitive"), everyone(NOT_FOUND)),
            get(track("hidden"), everyone(NOT_FOUND)),
        ),
    ),
    # --- public reports, feeds and area alerts ---
    "public_reports:list": Row(
        "public list and map",
        (public_list(fixed("/reports/")), get(fixed("/reports/?status=closed"), everyone(OK))),
    ),
    "public_reports:wards": Row("ward outlines", (get(fixed("/reports/wards.geojson"), everyone(OK)),)),
    "public_reports:feed_all": Row("Atom feed", (public_list(fixed("/reports/feeds/all.atom")),)),
    "public_reports:feed_ward": Row(
        "Atom feed of A's ward", (public_list(lambda world: f"/reports/feeds/ward/{world.ward_code}.atom"),)
    ),
    "public_reports:feed_category": Row(
        "Atom feed per category; a non-public category has none",
        (
            public_list(fixed("/reports/feeds/category/pothole.atom")),
            get(fixed("/reports/feeds/category/safeguarding.atom"), everyone(NOT_FOUND)),
        ),
    ),
    "public_reports:alerts": Row("sign up for area alerts", (get(fixed("/reports/alerts/"), everyone(OK)),)),
    "public_reports:alert_sent": Row(
        "'check your email' after signing up",
        (get(fixed("/reports/alerts/check-your-email/"), everyone(OK_OR_REDIRECT)),),
    ),
    "public_reports:alert_confirm": Row(
        "A's alert confirmation link: whoever holds it is answered, never with A's email",
        (get(lambda world: f"/reports/alerts/confirm/{world.alert_confirm_token}/", everyone(OK)),),
    ),
    "public_reports:alert_unsubscribe": Row(
        "A's one-click unsubscribe link: GET only asks, never shows A's email",
        (get(lambda world: f"/reports/alerts/unsubscribe/{world.alert_unsubscribe_token}/", everyone(OK)),),
    ),
    # --- Townhall's API ---
    "api-v1:api-root": Row("API root", (get(fixed("/api/v1/"), everyone(ANSWERED)),)),
    "api/v1/(?P<path>.*)$": Row("anything else under /api/v1/", (get(fixed("/api/v1/nothing"), everyone(NOT_FOUND)),)),
    "api-v1:openapi-json": Row("OpenAPI document", (get(fixed("/api/v1/openapi.json"), everyone(OK)),)),
    "api-v1:openapi-view": Row("API docs", (get(fixed("/api/v1/docs"), everyone(OK)),)),
    "api-v1:service_list": Row("services", (get(fixed("/api/v1/services"), everyone(OK)),)),
    "api-v1:service_detail": Row("a service", (get(fixed("/api/v1/services/pothole"), everyone(OK)),)),
    "api-v1:address_search": Row(
        "address search", (get(fixed("/api/v1/addresses?postcode=TS40%201AB"), everyone(ANSWERED)),)
    ),
    "api-v1:request_list": Row("public requests", (public_list(fixed("/api/v1/requests")),)),
    "api-v1:request_create": Row(
        "create a request: an empty body creates nothing for anyone",
        (post(fixed("/api/v1/requests"), everyone(ANSWERED)),),
    ),
    "api-v1:request_detail": Row(
        "one public request; the sensitive and non-public ones do not exist here",
        (
            get(api_request("public"), everyone(OK)),
            get(api_request("sensitive"), everyone(NOT_FOUND)),
            get(api_request("hidden"), everyone(NOT_FOUND)),
        ),
    ),
    "api-v1:request_updates": Row(
        "a back-office system posts updates with an API key: visitors without one are refused",
        tuple(
            post_json(api_request(attribute, "/updates"), everyone(API_REFUSED), CLOSE_IT)
            for attribute in ("public", "sensitive", "hidden")
        ),
    ),
    "api-v1:my_request_list": Row(
        "the signed-in resident's own requests",
        (
            get(
                fixed("/api/v1/me/requests"), {**everyone(OK), ANONYMOUS: Expect("401", lambda r: r.status_code == 401)}
            ),
        ),
    ),
    "api-v1:my_request_detail": Row(
        "one of the signed-in resident's own requests: A's are 404 for anyone else",
        tuple(
            get(
                my_request(attribute),
                owner_only(owner=OK, others=NOT_FOUND, anonymous=Expect("401", lambda r: r.status_code == 401)),
            )
            for attribute in ("public", "sensitive", "hidden")
        ),
    ),
    # --- Open311 ---
    "open311:discovery": Row(
        "discovery", each_format(lambda f: get(fixed(f"/open311/v2/discovery.{f}"), everyone(OK)))
    ),
    "open311:services": Row(
        "service list", each_format(lambda f: get(fixed(f"/open311/v2/services.{f}"), everyone(OK)))
    ),
    "open311:service": Row(
        "service definition", each_format(lambda f: get(fixed(f"/open311/v2/services/pothole.{f}"), everyone(OK)))
    ),
    "open311:requests": Row(
        "public request list (GET); POST needs an API key",
        each_format(lambda f: public_list(fixed(f"/open311/v2/requests.{f}")))
        + each_format(lambda f: post(fixed(f"/open311/v2/requests.{f}"), everyone(BAD_REQUEST))),
    ),
    "open311:request": Row(
        "one public request; sensitive and non-public requests do not exist here",
        each_format(lambda f: get(open311("public", f), everyone(OK)))
        + each_format(lambda f: get(open311("sensitive", f), everyone(NOT_FOUND)))
        + each_format(lambda f: get(open311("hidden", f), everyone(NOT_FOUND))),
    ),
    "open311:token": Row(
        "a token for the non-public request: its holder (the client that sent it) learns the id, nothing more",
        each_format(
            lambda f: Case(lambda world: f"/open311/v2/tokens/{world.token}.{f}", everyone(OK), reveals=("hidden",))
        ),
    ),
    "open311:updates": Row(
        "FixMyStreet's servicerequestupdates: public updates only, never internal notes",
        each_format(lambda f: get(fixed(f"/open311/v2/servicerequestupdates.{f}"), everyone(ANSWERED))),
    ),
    "open311:not_found": Row(
        "anything else under /open311/v2/", (get(fixed("/open311/v2/nothing.json"), everyone(NOT_FOUND)),)
    ),
    # --- the CKAN Action API (opendata): public reads answer everyone; writes need a data steward's token ---
    "ckan:action": Row(
        "CKAN Action API",
        (
            get(fixed("/api/3/action/package_list"), everyone(OK)),
            get(fixed("/api/3/action/package_search?q=pothole&facet.field=%5B%22tags%22%5D"), everyone(OK)),
            get(fixed("/api/3/action/status_show"), everyone(OK)),
            get(fixed("/api/3/action/organization_list?all_fields=true"), everyone(OK)),
            post_json(fixed("/api/3/action/package_show"), everyone(NOT_FOUND), {"id": "no-such-dataset"}),
            post_json(fixed("/api/3/action/package_create"), everyone(REFUSED), {"name": "x", "owner_org": "x"}),
            get(fixed("/api/3/action/package_create?name=x"), everyone(BAD_REQUEST)),
        ),
    ),
    "ckan:action_unversioned": Row(
        "CKAN Action API without the version",
        (
            get(fixed("/api/action/package_list"), everyone(OK)),
            post_json(fixed("/api/action/package_delete"), everyone(REFUSED), {"id": "no-such-dataset"}),
        ),
    ),
    "opendata_download:resource": Row(
        "an uploaded open data file (tests/opendata/test_ckan_write.py downloads a real one)",
        (
            get(
                fixed(
                    "/dataset/00000000-0000-0000-0000-000000000001/resource/"
                    "00000000-0000-0000-0000-000000000002/download/data.csv"
                ),
                everyone(NOT_FOUND),
            ),
        ),
    ),
    # --- the back office ---
    "staff_home": Row("staff home", (get(fixed("/staff/"), STAFF_HOME),)),
    "staff_resident_search": Row(
        "resident search, no query (each lookup is audited: tests/accounts/test_find_resident.py)",
        (get(fixed("/staff/residents/"), STAFF_HOME),),
    ),
    "staff_resident_detail": Row(
        "A's personal details: asks for a reason first, shows nothing on GET",
        (get(lambda world: f"/staff/residents/{world.resident_a.pk}/", STAFF_HOME),),
    ),
    "staff_resident_identity": Row(
        "confirm A's identity from documents (GET shows the form only)",
        (get(lambda world: f"/staff/residents/verify-identity/{world.resident_a.pk}/", STAFF_HOME),),
    ),
    "staff_resident_representative": Row(
        "authorise someone to act for A (GET shows the form only)",
        (get(lambda world: f"/staff/residents/authorise-representative/{world.resident_a.pk}/", STAFF_HOME),),
    ),
    "staff_resident_preferences": Row(
        "change A's contact preferences at their request (advisers and case officers; the GET is audited)",
        (get(lambda world: f"/staff/residents/contact-preferences/{world.resident_a.pk}/", STAFF_HOME),),
    ),
    # --- information asset register (catalogue; every staff role reads, stewards and IG edit;
    # tests/catalogue/test_pages.py tries every URL with every role) ---
    "information_assets:list": Row(
        "the information asset register (no personal data; any staff role)",
        (
            get(fixed("/staff/information-assets/"), STAFF_HOME),
            get(fixed("/staff/information-assets/?personal=yes&q=tax"), STAFF_HOME),
        ),
    ),
    "information_assets:export_csv": Row(
        "the whole register as CSV (any staff role)",
        (get(fixed("/staff/information-assets/register.csv"), STAFF_HOME),),
    ),
    "information_assets:publish": Row(
        "publish the register as open data (stewards and information governance only)",
        (post(fixed("/staff/information-assets/publish/"), FOR_OTHER_ROLES),),
    ),
    "information_assets:create": Row(
        "add an asset (stewards and information governance only)",
        (get(fixed("/staff/information-assets/new/"), FOR_OTHER_ROLES),),
    ),
    "information_assets:detail": Row(
        "one asset (any staff role; an unknown id is not found)",
        (get(fixed("/staff/information-assets/999999/"), FOR_OTHER_ROLES),),
    ),
    "information_assets:edit": Row(
        "change an asset (stewards and information governance only)",
        (get(fixed("/staff/information-assets/edit/999999/"), FOR_OTHER_ROLES),),
    ),
    "information_assets:history": Row(
        "an asset's change history (any staff role; an unknown id is not found)",
        (get(fixed("/staff/information-assets/history/999999/"), FOR_OTHER_ROLES),),
    ),
    "information_assets:review": Row(
        "record a review of an asset (stewards and information governance only)",
        (get(fixed("/staff/information-assets/review/999999/"), FOR_OTHER_ROLES),),
    ),
    "information_assets:reviews_due": Row(
        "assets and agreements due for review (any staff role)",
        (get(fixed("/staff/information-assets/reviews/"), STAFF_HOME),),
    ),
    "information_assets:graph": Row(
        "the relationship graph and its list (any staff role)",
        (get(fixed("/staff/information-assets/graph/"), STAFF_HOME),),
    ),
    "information_assets:relationship_add": Row(
        "relate an asset to another (stewards and information governance only)",
        (
            get(
                fixed("/staff/information-assets/relationships/999999/"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "information_assets:relationship_remove": Row(
        "remove a relationship (stewards and information governance only)",
        (
            post(
                fixed("/staff/information-assets/relationships/remove/999999/"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "information_assets:field_rule_add": Row(
        "say which standard an asset's field must meet (stewards and information governance only)",
        (get(fixed("/staff/information-assets/rules/999999/"), FOR_OTHER_ROLES),),
    ),
    "information_assets:field_rule_remove": Row(
        "remove a field rule (stewards and information governance only)",
        (
            post(
                fixed("/staff/information-assets/rules/remove/999999/"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "information_assets:agreements": Row(
        "data sharing agreements (any staff role)", (get(fixed("/staff/information-assets/sharing/"), STAFF_HOME),)
    ),
    "information_assets:agreement_create": Row(
        "add a data sharing agreement (stewards and information governance only)",
        (get(fixed("/staff/information-assets/sharing/new/"), FOR_OTHER_ROLES),),
    ),
    "information_assets:agreement": Row(
        "one data sharing agreement (any staff role; an unknown id is not found)",
        (get(fixed("/staff/information-assets/sharing/999999/"), FOR_OTHER_ROLES),),
    ),
    "information_assets:agreement_edit": Row(
        "change a data sharing agreement (stewards and information governance only)",
        (
            get(
                fixed("/staff/information-assets/sharing/edit/999999/"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "information_assets:standards": Row(
        "the council's data standards (any staff role)",
        (get(fixed("/staff/information-assets/standards/"), STAFF_HOME),),
    ),
    "information_assets:standard_create": Row(
        "add a data standard (stewards and information governance only)",
        (get(fixed("/staff/information-assets/standards/new/"), FOR_OTHER_ROLES),),
    ),
    "information_assets:standard": Row(
        "one data standard and its value checker (any staff role; an unknown id is not found)",
        (
            get(
                fixed("/staff/information-assets/standards/999999/?value=TS1+1AA"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "information_assets:standard_edit": Row(
        "change a data standard (stewards and information governance only)",
        (
            get(
                fixed("/staff/information-assets/standards/edit/999999/"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "opendata_dcat_catalogue": Row(
        "the DCAT-AP catalogue (public datasets only, whoever asks; tests/opendata/test_dcat.py)",
        (get(fixed("/catalog.ttl"), everyone(OK)), get(fixed("/catalog.jsonld?page=99"), everyone(NOT_FOUND))),
    ),
    "opendata_dcat_dataset": Row(
        "one dataset as DCAT-AP (drafts, private, deleted: 404 to everyone, stewards too; tests/opendata/test_dcat.py)",
        (get(fixed("/dataset/no-such-dataset.ttl"), everyone(NOT_FOUND)),),
    ),
    "people_staff:overview": Row(
        "Citizen Index overview: counts only (data stewards, IG officers; tests/people/test_staff_pages.py)",
        (get(fixed("/staff/citizen-index/"), FOR_OTHER_ROLES),),
    ),
    "people_staff:review_queue": Row(
        "clerical review queue: residents' names (data stewards, IG officers; audited)",
        (get(fixed("/staff/citizen-index/review/"), FOR_OTHER_ROLES),),
    ),
    "people_staff:review_pair": Row(
        "one review pair: two residents' records (data stewards decide, IG officers read; audited)",
        (
            get(fixed("/staff/citizen-index/review/1/"), FOR_OTHER_ROLES),
            post(
                fixed("/staff/citizen-index/review/1/"),
                FOR_OTHER_ROLES,
                decision="match",
            ),
        ),
    ),
    "people_staff:citizen": Row(
        "one citizen: golden record, source records, history (data stewards, IG officers; audited)",
        (
            get(
                fixed("/staff/citizen-index/citizens/CIT-0000-0000-0000/"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "people_staff:citizen_merge": Row(
        "merge another citizen into one (data stewards only)",
        (
            get(
                fixed("/staff/citizen-index/citizens/merge/CIT-0000-0000-0000/"),
                FOR_OTHER_ROLES,
            ),
            post(
                fixed("/staff/citizen-index/citizens/merge/CIT-0000-0000-0000/"),
                FOR_OTHER_ROLES,
                other="CIT-0000-0000-0001",
                reason="x",
            ),
        ),
    ),
    "people_staff:citizen_split": Row(
        "move a citizen's records to a new citizen: lists its records (data stewards only; audited)",
        (
            get(
                fixed("/staff/citizen-index/citizens/split/CIT-0000-0000-0000/"),
                FOR_OTHER_ROLES,
            ),
            post(
                fixed("/staff/citizen-index/citizens/split/CIT-0000-0000-0000/"),
                FOR_OTHER_ROLES,
                reason="x",
            ),
        ),
    ),
    "opendata_download:version": Row(
        "one version of an uploaded open data file (tests/opendata/test_versions.py downloads real ones)",
        (
            get(
                fixed(
                    "/dataset/00000000-0000-0000-0000-000000000001/resource/00000000-0000-0000-0000-000000000002/version/1/download/data.csv"
                ),
                everyone(NOT_FOUND),
            ),
        ),
    ),
    "opendata_uploads:index": Row(
        "open data files (data stewards; tests/opendata/test_upload_pages.py)",
        (get(fixed("/staff/open-data/uploads/"), FOR_OTHER_ROLES),),
    ),
    "opendata_uploads:new": Row(
        "add a file to a dataset (data stewards)",
        (
            get(
                fixed("/staff/open-data/uploads/dataset/new/00000000-0000-0000-0000-000000000001/"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "opendata_uploads:upload": Row(
        "upload a new version (data stewards)",
        (
            get(
                fixed("/staff/open-data/uploads/resource/00000000-0000-0000-0000-000000000002/"),
                FOR_OTHER_ROLES,
            ),
            post(
                fixed("/staff/open-data/uploads/resource/00000000-0000-0000-0000-000000000002/"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "opendata_uploads:version": Row(
        "one version (data stewards)",
        (
            get(
                fixed("/staff/open-data/uploads/resource/00000000-0000-0000-0000-000000000002/version/1/"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "opendata_uploads:schema": Row(
        "edit a Table Schema (data stewards)",
        (
            get(
                fixed("/staff/open-data/uploads/resource/schema/00000000-0000-0000-0000-000000000002/"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "opendata_uploads:report": Row(
        "a refused upload's report from the steward's own session (data stewards)",
        (
            get(
                fixed("/staff/open-data/uploads/report/00000000-0000-0000-0000-000000000003/"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "opendata_uploads:staged": Row(
        "a large upload being checked in the background: progress, then its version or report "
        "(data stewards; tests/opendata/test_staged_uploads.py)",
        (get(fixed("/staff/open-data/uploads/checking/00000000-0000-0000-0000-000000000004/"), FOR_OTHER_ROLES),),
    ),
    "opendata_staff:list": Row(
        "open data back office: datasets by stage (drafters and stewards; tests/opendata/test_staff_pages.py)",
        (get(fixed("/staff/open-data/"), OPEN_DATA_BACK_OFFICE),),
    ),
    "opendata_staff:create": Row("add a draft dataset", (get(fixed("/staff/open-data/new/"), OPEN_DATA_BACK_OFFICE),)),
    "opendata_staff:detail": Row(
        "one dataset in the back office", (get(fixed(f"/staff/open-data/{OPEN_DATA_ID}/"), OPEN_DATA_BACK_OFFICE),)
    ),
    "opendata_staff:edit": Row(
        "change a dataset's details", (get(fixed(f"/staff/open-data/edit/{OPEN_DATA_ID}/"), OPEN_DATA_BACK_OFFICE),)
    ),
    "opendata_staff:link_add": Row(
        "add a link to a dataset", (get(fixed(f"/staff/open-data/links/{OPEN_DATA_ID}/"), OPEN_DATA_BACK_OFFICE),)
    ),
    "opendata_staff:submit": Row(
        "submit a draft for review", (post(fixed(f"/staff/open-data/submit/{OPEN_DATA_ID}/"), OPEN_DATA_BACK_OFFICE),)
    ),
    "opendata_staff:review": Row(
        "review a dataset (data stewards)",
        (
            post(
                fixed(f"/staff/open-data/review/{OPEN_DATA_ID}/"), OPEN_DATA_BACK_OFFICE, decision="approve", when="now"
            ),
        ),
    ),
    "opendata_staff:publish_now": Row(
        "publish a scheduled dataset now (data stewards)",
        (post(fixed(f"/staff/open-data/publish-now/{OPEN_DATA_ID}/"), OPEN_DATA_BACK_OFFICE),),
    ),
    "opendata_staff:schedule_cancel": Row(
        "cancel a scheduled publication (data stewards)",
        (post(fixed(f"/staff/open-data/cancel-schedule/{OPEN_DATA_ID}/"), OPEN_DATA_BACK_OFFICE),),
    ),
    "opendata_staff:withdraw": Row(
        "withdraw a dataset (data stewards)",
        (
            post(
                fixed(f"/staff/open-data/withdraw/{OPEN_DATA_ID}/"),
                OPEN_DATA_BACK_OFFICE,
                reason="Withdrawn by someone who may not",
            ),
        ),
    ),
    "opendata_staff:restore": Row(
        "publish a withdrawn dataset again (data stewards)",
        (post(fixed(f"/staff/open-data/restore/{OPEN_DATA_ID}/"), OPEN_DATA_BACK_OFFICE),),
    ),
    "opendata_staff:history": Row(
        "a dataset's history, from the audit log",
        (get(fixed(f"/staff/open-data/history/{OPEN_DATA_ID}/"), OPEN_DATA_BACK_OFFICE),),
    ),
    "opendata_staff:publishers": Row(
        "publishers (CKAN organizations) (data stewards; tests/opendata/test_organisations_staff.py)",
        (get(fixed("/staff/open-data/publishers/"), FOR_OTHER_ROLES),),
    ),
    "opendata_staff:publisher_create": Row(
        "add a publisher (data stewards)",
        (
            get(fixed("/staff/open-data/publishers/new/"), FOR_OTHER_ROLES),
            post(fixed("/staff/open-data/publishers/new/"), FOR_OTHER_ROLES, title="Not allowed", name="not-allowed"),
        ),
    ),
    "opendata_staff:publisher_edit": Row(
        "change a publisher (data stewards)",
        (
            get(fixed(f"/staff/open-data/publishers/edit/{OPEN_DATA_ID}/"), FOR_OTHER_ROLES),
            post(fixed(f"/staff/open-data/publishers/edit/{OPEN_DATA_ID}/"), FOR_OTHER_ROLES, title="Not allowed"),
        ),
    ),
    "opendata_staff:themes": Row(
        "themes (CKAN groups) (data stewards; tests/opendata/test_organisations_staff.py)",
        (get(fixed("/staff/open-data/themes/"), FOR_OTHER_ROLES),),
    ),
    "opendata_staff:theme_create": Row(
        "add a theme (data stewards)",
        (
            get(fixed("/staff/open-data/themes/new/"), FOR_OTHER_ROLES),
            post(fixed("/staff/open-data/themes/new/"), FOR_OTHER_ROLES, title="Not allowed", name="not-allowed"),
        ),
    ),
    "opendata_staff:theme_edit": Row(
        "change a theme (data stewards)",
        (
            get(fixed(f"/staff/open-data/themes/edit/{OPEN_DATA_ID}/"), FOR_OTHER_ROLES),
            post(fixed(f"/staff/open-data/themes/edit/{OPEN_DATA_ID}/"), FOR_OTHER_ROLES, title="Not allowed"),
        ),
    ),
    "people_staff:quality": Row(
        "data quality dashboard: counts per source, no resident's details (data stewards, IG officers; "
        "tests/people/test_quality.py)",
        (get(fixed("/staff/citizen-index/quality/"), FOR_OTHER_ROLES),),
    ),
    "people_staff:quality_issues": Row(
        "data quality issues: kind, source, field and what is wrong, never a value (data stewards, IG officers)",
        (
            get(fixed("/staff/citizen-index/quality/issues/"), FOR_OTHER_ROLES),
            get(
                fixed("/staff/citizen-index/quality/issues/?kind=nonsense"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "people_staff:quality_issue": Row(
        "one data quality issue: the source record's values (data stewards, IG officers; audited)",
        (get(fixed("/staff/citizen-index/quality/issues/1/"), FOR_OTHER_ROLES),),
    ),
    "people_staff:quality_issue_correct": Row(
        "mark a data quality issue corrected (POST only; data stewards; audited)",
        (
            post(
                fixed("/staff/citizen-index/quality/issues/1/correct/"),
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "open311_keys": Row("Open311 API keys (administrators)", (get(fixed("/staff/open311/"), ADMINISTRATORS_ONLY),)),
    "open311_key_create": Row("Open311 API keys", (get(fixed("/staff/open311/new/"), ADMINISTRATORS_ONLY),)),
    "open311_key": Row("Open311 API keys", (get(fixed("/staff/open311/1/"), ADMINISTRATORS_ONLY),)),
    "open311_key_revoke": Row("Open311 API keys", (get(fixed("/staff/open311/1/revoke/"), ADMINISTRATORS_ONLY),)),
    "audit_log": Row("audit log (information governance)", (get(fixed("/staff/audit/"), ADMINISTRATORS_ONLY),)),
    "notify_message_list": Row("outbox (administrators)", (get(fixed("/staff/notify/"), ADMINISTRATORS_ONLY),)),
    "notify_message_detail": Row(
        "an outbox message (administrators)", (get(fixed("/staff/notify/1/"), ADMINISTRATORS_ONLY),)
    ),
    "notify_message_resend": Row(
        "resend an outbox message (administrators)", (post(fixed("/staff/notify/1/resend/"), ADMINISTRATORS_ONLY),)
    ),
    "catalogue": Row("catalogue editor (administrators)", (get(fixed("/staff/catalogue/"), ADMINISTRATORS_ONLY),)),
    "catalogue_group_create": Row(
        "catalogue editor", (get(fixed("/staff/catalogue/groups/new/"), ADMINISTRATORS_ONLY),)
    ),
    "catalogue_group": Row("catalogue editor", (get(fixed("/staff/catalogue/groups/1/"), ADMINISTRATORS_ONLY),)),
    "catalogue_category_create": Row(
        "catalogue editor", (get(fixed("/staff/catalogue/categories/new/"), ADMINISTRATORS_ONLY),)
    ),
    "catalogue_category": Row(
        "catalogue editor",
        (get(lambda world: f"/staff/catalogue/categories/{world.category.pk}/", ADMINISTRATORS_ONLY),),
    ),
    "catalogue_category_webhooks": Row(
        "category webhooks (administrators)",
        (get(lambda world: f"/staff/catalogue/categories/{world.category.pk}/webhooks/", ADMINISTRATORS_ONLY),),
    ),
    "catalogue_category_webhook_remove": Row(
        "category webhooks (administrators)",
        (
            post(
                lambda world: f"/staff/catalogue/categories/{world.category.pk}/webhooks/1/remove/", ADMINISTRATORS_ONLY
            ),
        ),
    ),
    "catalogue_response_templates": Row(
        "response templates (catalogue editors)", (get(fixed("/staff/catalogue/templates/"), ADMINISTRATORS_ONLY),)
    ),
    "catalogue_response_template_create": Row(
        "response templates", (get(fixed("/staff/catalogue/templates/new/"), ADMINISTRATORS_ONLY),)
    ),
    "catalogue_response_template": Row(
        "response templates", (get(fixed("/staff/catalogue/templates/1/"), ADMINISTRATORS_ONLY),)
    ),
    "catalogue_question_create": Row(
        "catalogue editor", (get(fixed("/staff/catalogue/questions/new/"), ADMINISTRATORS_ONLY),)
    ),
    "catalogue_question": Row("catalogue editor", (get(fixed("/staff/catalogue/questions/1/"), ADMINISTRATORS_ONLY),)),
    "catalogue_routing_rule_create": Row(
        "catalogue editor", (get(fixed("/staff/catalogue/routing/new/"), ADMINISTRATORS_ONLY),)
    ),
    "catalogue_routing_rule": Row(
        "catalogue editor", (get(fixed("/staff/catalogue/routing/1/"), ADMINISTRATORS_ONLY),)
    ),
    "backoffice_queue": Row(
        "team queue: A's requests are in A's team's queue only",
        (get(fixed("/staff/requests/"), STAFF_HOME), get(fixed("/staff/requests/?status=closed_all"), STAFF_HOME)),
    ),
    "backoffice_queue_bulk": Row(
        "bulk actions on A's requests with no action chosen: nothing changes",
        (
            post(
                fixed("/staff/requests/bulk/"),
                staff_door(other_team=ANSWERED, a_team=ANSWERED),
            ),
        ),
    ),
    "backoffice_queue_map": Row("queue map", (get(fixed("/staff/requests/map/"), STAFF_HOME),)),
    "backoffice_queue_map_wards": Row(
        "queue map wards", (get(fixed("/staff/requests/map/wards.geojson"), STAFF_HOME),)
    ),
    "backoffice_saved_filter_create": Row(
        "save a filter (an empty name saves nothing)", (post(fixed("/staff/requests/filters/"), STAFF_ANSWERED),)
    ),
    "backoffice_saved_filter": Row(
        "a saved filter is its owner's only (A's team's officer)",
        (
            get(
                lambda world: f"/staff/requests/filters/{world.saved_filter}/",
                staff_door(other_team=NOT_FOUND, a_team=OK),
            ),
        ),
    ),
    "assisted_start": Row("record a caller's report", (get(fixed("/staff/requests/new/"), STAFF_HOME),)),
    "assisted_confirmation": Row(
        "an adviser's confirmation: only the adviser's session that recorded it",
        (
            get(
                lambda world: f"/staff/requests/new/done/{world.public.pk}/",
                FOR_OTHER_ROLES,
            ),
        ),
    ),
    "assisted_step": Row(
        "an adviser's draft that is not in this session: back to the start",
        (get(fixed("/staff/requests/new/category/999999/"), staff_door(other_team=REDIRECT, a_team=REDIRECT)),),
    ),
    "backoffice_request": Row(
        "A's requests in the back office",
        tuple(get(staff_request(attribute), A_REQUEST_PAGE) for attribute in ("public", "sensitive", "hidden")),
    ),
    "backoffice_request_reporter": Row(
        "A's contact details: POST only, audited",
        (
            get(staff_request("public", "reporter/"), A_REQUEST_POST_ONLY),
            *(post(staff_request(attribute, "reporter/"), A_REQUEST_PAGE) for attribute in ("public", "hidden")),
        ),
    ),
    "backoffice_request_status": Row(
        "status change (an empty form changes nothing)", (post(staff_request("public", "status/"), A_REQUEST_PAGE),)
    ),
    "backoffice_request_assign": Row(
        "assignment (an empty form changes nothing)", (post(staff_request("public", "assign/"), A_REQUEST_PAGE),)
    ),
    "backoffice_request_priority": Row("priority", (post(staff_request("public", "priority/"), A_REQUEST_ACTION),)),
    "backoffice_request_update": Row("staff update", (post(staff_request("public", "updates/"), A_REQUEST_ACTION),)),
    "backoffice_request_question": Row(
        "asking the reporter a question (an empty form asks nothing)",
        (post(staff_request("public", "question/"), A_REQUEST_ACTION),),
    ),
    "backoffice_request_update_moderate": Row(
        "moderating the public update that sits beside the internal note",
        (
            get(
                lambda world: f"/staff/requests/{world.public.pk}/updates/{world.public_update}/",
                staff_door(other_team=NOT_FOUND, a_team=OK),
            ),
        ),
    ),
    "backoffice_request_template": Row(
        "fill a response template", (post(staff_request("public", "status/template/"), A_REQUEST_ACTION),)
    ),
    "backoffice_request_merge": Row("merge duplicates", (post(staff_request("public", "merge/"), A_REQUEST_ACTION),)),
    "backoffice_request_referral": Row("referral", (post(staff_request("public", "referral/"), A_REQUEST_ACTION),)),
    "backoffice_request_documents": Row(
        "attach a document (no file: nothing attached)",
        (post(staff_request("public", "documents/"), A_REQUEST_ACTION),),
    ),
    "backoffice_request_document": Row(
        "a staff document: GET downloads it (audited), then POST deletes it; another team gets 404 for both",
        (
            get(document_url, staff_door(other_team=NOT_FOUND, a_team=OK)),
            post(document_url, A_REQUEST_ACTION),
        ),
    ),
    "backoffice_request_sla_pause": Row(
        "SLA pause", (get(staff_request("public", "sla/pause/"), A_REQUEST_POST_ONLY),)
    ),
    "backoffice_request_sla_resume": Row(
        "SLA resume", (get(staff_request("public", "sla/resume/"), A_REQUEST_POST_ONLY),)
    ),
    "backoffice_request_sensitive": Row(
        "flag as sensitive (GET is not allowed; tried on POST by other teams in the next row's spirit)",
        (
            get(staff_request("public", "sensitive/"), A_REQUEST_POST_ONLY),
            post(staff_request("sensitive", "sensitive/"), A_REQUEST_ACTION),
        ),
    ),
    "backoffice_request_block": Row(
        "block the reporter (an empty reason blocks nobody)",
        (post(staff_request("public", "blocks/"), A_REQUEST_ACTION),),
    ),
    "backoffice_request_block_lift": Row(
        "lift a block (there is none)",
        (post(staff_request("public", "blocks/1/"), FOR_OTHER_ROLES),),
    ),
    "backoffice_request_moderate": Row(
        "moderate the description",
        (get(lambda world: f"/staff/requests/moderation/{world.public.pk}/", A_REQUEST_PAGE),),
    ),
    "backoffice_request_photo": Row(
        "see any photo of the request (hidden ones too); hide or show it (an empty form changes nothing)",
        (
            get(lambda world: f"/staff/requests/{world.hidden.pk}/photos/{world.hidden_photo}/", A_REQUEST_PAGE),
            post(lambda world: f"/staff/requests/{world.public.pk}/photos/{world.public_photo}/", A_REQUEST_ACTION),
        ),
    ),
}

# Third-party internals not exercised row by row, and why.
SKIPPED_PREFIXES = {
    "django-admin/": (
        "Django admin, superusers only: every visitor here is refused at its door, which "
        "test_django_admin_refuses_everyone_but_superusers (tests/test_staff_urls.py) and "
        "test_django_admin_door below check"
    ),
    "auth/3rdparty/": "allauth's council sign-in (OIDC) screens: they hold only the visitor's own session",
    "auth/social/": "redirects to auth/3rdparty/ kept for old links",
    "auth/oidc/": "allauth's OIDC hand-off to the council's identity provider; tested in tests/accounts/test_oidc.py",
    "auth/password/reset/key/": "needs a key emailed to the account holder; it opens only that person's reset form",
    "auth/logout/": "signs the visitor out: it shows no data and would end the visit",
}
# allauth's own-account pages (sign in, sign up, email, password, MFA): each is fetched by
# every visitor and must answer about the visitor only; no per-page row is kept for them.
ALLAUTH_PREFIX = "auth/"
ALLAUTH_CASE_EXPECT = everyone(ANSWERED)


# --- enumerating the resolver --------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str  # the URL name with its namespace, or the route when it has none
    route: str


def _walk(patterns: list[URLPattern | URLResolver], prefix: str, namespaces: tuple[str, ...]) -> Iterator[Pattern]:
    for entry in patterns:
        route = prefix + str(entry.pattern).removeprefix("^")
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, route, inner)
        else:
            key = ":".join((*namespaces, entry.name)) if entry.name else route
            yield Pattern(key=key, route=route)


def url_patterns() -> list[Pattern]:
    return list(_walk(get_resolver().url_patterns, "", ()))


def _skip_reason(pattern: Pattern) -> str | None:
    return next((reason for prefix, reason in SKIPPED_PREFIXES.items() if pattern.route.startswith(prefix)), None)


def _allauth_cases() -> list[Case]:
    """allauth pages without parameters, each fetched by every visitor."""
    return [
        get(fixed("/" + pattern.route), ALLAUTH_CASE_EXPECT)
        for pattern in url_patterns()
        if pattern.route.startswith(ALLAUTH_PREFIX) and _skip_reason(pattern) is None and "<" not in pattern.route
    ]


def test_every_url_pattern_is_classified() -> None:
    """Fails when a URL pattern has no row: add one to TABLE saying how each visitor is answered."""
    unclassified = []
    for pattern in url_patterns():
        if pattern.key in TABLE or _skip_reason(pattern) is not None:
            continue
        if pattern.route.startswith(ALLAUTH_PREFIX) and "<" not in pattern.route and "(?P" not in pattern.route:
            continue
        unclassified.append(f"{pattern.key}  (/{pattern.route})")
    assert not unclassified, "URL patterns missing from TABLE in tests/test_privacy_every_url.py:\n" + "\n".join(
        unclassified
    )


def test_table_has_no_stale_rows() -> None:
    keys = {pattern.key for pattern in url_patterns()}
    assert set(TABLE) <= keys, f"rows for URL patterns that no longer exist: {sorted(set(TABLE) - keys)}"


def test_every_row_is_exercised_or_says_why() -> None:
    for key, row in TABLE.items():
        assert row.cases or row.reason, f"{key}: no cases and no reason"
        for case in row.cases:
            assert set(case.expect) == set(VISITORS), f"{key}: every visitor needs an expected answer"


# --- the world -----------------------------------------------------------------------------------


def _resident_a() -> User:
    return account_services.user_create_resident(
        email=A_EMAIL, password=TEST_PASSWORD, given_name=A_GIVEN, family_name=A_FAMILY, email_verified=True
    )


def _report(resident: User, category: Category, description: str) -> ServiceRequest:
    lat, lng = NORTH_POINT
    return request_services.service_request_create(
        acting_user=resident,
        category=category,
        description=description,
        channel=Channel.WEB,
        lat=lat,
        lng=lng,
        answers={"depth": "deep"} if category.service_code == "pothole" else {},
        reporter=resident,
        contact=request_services.ReporterContact(name=f"{A_GIVEN} {A_FAMILY}", email=A_EMAIL, phone=A_PHONE),
    )


def _staff(email: str, team: Team) -> User:
    return account_services.staff_create(
        email=email, password=TEST_PASSWORD, roles=[StaffRole.CASE_OFFICER], teams=[team]
    )


def _start_draft(client: Client) -> str:
    """Start a report: the draft lives in that client's session only."""
    response = client.post("/report/")
    return urlsplit(response["Location"]).path.split("/")[3]


def _photo(service_request: ServiceRequest) -> int:
    """A real JPEG, through the same preparation as an upload (type sniffed, metadata stripped)."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 120, 120)).save(buffer, format="JPEG")
    upload = SimpleUploadedFile("pothole.jpg", buffer.getvalue(), content_type="image/jpeg")
    return request_services.request_photo_store(prepared=photo_prepare(upload), request=service_request).pk


@pytest.fixture
def world(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> World:
    wards: Borough = request.getfixturevalue("borough")
    council_teams: Teams = request.getfixturevalue("teams")
    group: CategoryGroup = request.getfixturevalue("roads")
    potholes: Category = request.getfixturevalue("pothole")
    settings.MEDIA_ROOT = tmp_path
    resident_a = _resident_a()
    officer = _staff("a-team@council.example", council_teams.highways_north)
    safeguarding = make_category(
        group,
        council_teams.highways_north,
        service_code="safeguarding",
        name="Adult safeguarding concern",
        is_public=False,
    )
    public = _report(resident_a, potholes, "Deep pothole outside the post office")
    update = request_services.service_request_status_change(
        acting_user=officer,
        service_request=public,
        to=Status.IN_PROGRESS,
        public_message=PUBLIC_MESSAGE,
        internal_note=INTERNAL_NOTE,
    )
    sensitive = _report(resident_a, potholes, SENSITIVE_DESCRIPTION)
    request_services.service_request_sensitive_set(acting_user=officer, service_request=sensitive, sensitive=True)
    hidden = _report(resident_a, safeguarding, HIDDEN_DESCRIPTION)
    api_key, _ = open311_services.api_key_create(acting_user=None, name="FixMyStreet")
    token = open311_services.token_issue(api_key=api_key, service_request=hidden)
    document = request_services.request_document_attach(
        acting_user=officer,
        service_request=public,
        upload=SimpleUploadedFile("inspection.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
    )
    saved = request_services.saved_filter_create(acting_user=officer, name="Northfield", query="ward=1")
    alert = request_services.area_alert_create(email=A_EMAIL, user=resident_a, ward=wards.northfield)
    return World(
        public=public,
        sensitive=sensitive,
        hidden=hidden,
        resident_a=resident_a,
        officer=officer,
        draft_id="",
        token=token.token,
        category=potholes,
        ward_code=wards.northfield.code,
        public_photo=_photo(public),
        hidden_photo=_photo(hidden),
        public_update=update.pk,
        document=document.pk,
        saved_filter=saved.pk,
        follow_token=request_services.follow_token(request=public, email=A_EMAIL),
        manage_token=request_services.manage_token(public),
        alert_confirm_token=request_services.area_alert_confirm_token(alert),
        alert_unsubscribe_token=request_services.area_alert_unsubscribe_token(alert),
        message=Correspondence.objects.filter(recipient=resident_a).values_list("pk", flat=True)[0],
    )


@pytest.fixture
def visitor_client(world: World, request: pytest.FixtureRequest) -> Callable[[str], tuple[Client, World]]:
    """`visitor_client(visitor)`: a client signed in as that visitor, and the world with A's draft id."""
    council_teams: Teams = request.getfixturevalue("teams")
    other_resident: User = request.getfixturevalue("other_resident")

    def signed_in(visitor: str) -> tuple[Client, World]:
        client = Client(raise_request_exception=False)  # a server error is one failure in the list, not the end
        if visitor == RESIDENT_A:
            client.force_login(world.resident_a)
            session = client.session
            session[report_views.SUBMITTED_KEY] = {
                f"submitted-{key}": getattr(world, key).reference for key in ("public", "sensitive", "hidden")
            }
            session.save()
        elif visitor == RESIDENT_B:
            client.force_login(other_resident)
        elif visitor == OTHER_TEAM:
            sign_in_with_mfa(client, _staff("waste@council.example", council_teams.waste))
        elif visitor == A_TEAM:
            sign_in_with_mfa(client, world.officer)
        # A's draft: started in A's own session, so the same id means nothing in anyone else's.
        owner = Client()
        owner.force_login(world.resident_a)
        draft_id = _start_draft(client) if visitor == RESIDENT_A else _start_draft(owner)
        return client, replace(world, draft_id=draft_id)

    return signed_in


# --- the check -----------------------------------------------------------------------------------


def _cases() -> list[tuple[str, Case]]:
    listed = [(key, case) for key, row in TABLE.items() for case in row.cases]
    return listed + [("allauth", case) for case in _allauth_cases()]


def _forbidden(visitor: str, world: World) -> dict[str, str]:
    """Text that must not appear in any response to `visitor`, with what it is."""
    hidden_requests = {
        world.sensitive.reference: "the sensitive request's reference",
        world.hidden.reference: "the non-public request's reference",
        SENSITIVE_DESCRIPTION: "the sensitive request's description",
        HIDDEN_DESCRIPTION: "the non-public request's description",
    }
    personal = dict.fromkeys(PERSONAL, "A's personal data")
    if visitor == A_TEAM:
        return {}
    if visitor == RESIDENT_A:
        return {INTERNAL_NOTE: "the internal note"}
    return {INTERNAL_NOTE: "the internal note", **personal, **hidden_requests}


def _text(response: HttpResponse) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    return headers + "\n" + body.decode("utf-8", errors="replace")


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_url_answers_each_visitor_without_leaking(
    visitor: str, visitor_client: Callable[[str], tuple[Client, World]]
) -> None:
    client, world = visitor_client(visitor)
    forbidden = _forbidden(visitor, world)
    failures = []
    for key, case in _cases():
        url = case.url(world)
        audited_before = AuditEntry.objects.count()
        response = getattr(client, case.method)(url, case.data, content_type=case.content_type)
        expected = case.expect[visitor]
        where = f"{case.method.upper()} {url} [{key}]"
        if not expected.accepts(response):
            location = response.get("Location", "")
            failures.append(f"{where}: expected {expected.name}, got {response.status_code} {location}")
        text = _text(response)
        # What the visitor typed into the URL may be said back ("DB-2026-000002 not found").
        revealed = {getattr(world, attribute).reference for attribute in case.reveals}
        hidden = {secret: what for secret, what in forbidden.items() if secret not in url and secret not in revealed}
        failures.extend(f"{where}: shows {what} ({secret!r})" for secret, what in hidden.items() if secret in text)
        if response.status_code == 200:
            listed = (getattr(world, attribute).reference for attribute in case.lists)
            failures.extend(f"{where}: does not list {wanted}" for wanted in listed if wanted not in text)
        shows_personal = any(secret in text for secret in PERSONAL)
        if visitor == A_TEAM and shows_personal and AuditEntry.objects.count() == audited_before:
            failures.append(f"{where}: shows A's personal data to staff without writing an audit entry")
    assert not failures, f"{visitor}:\n" + "\n".join(failures)


@pytest.mark.django_db
def test_staff_viewing_reporter_details_is_audited(visitor_client: Callable[[str], tuple[Client, World]]) -> None:
    client, world = visitor_client(A_TEAM)
    response = client.post(f"/staff/requests/{world.public.pk}/reporter/")
    assert response.status_code == 200
    assert A_EMAIL in response.content.decode()
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None
    assert entry.actor_id == world.officer.pk
    assert entry.object_id == world.public.reference


@pytest.mark.django_db
def test_django_admin_door(visitor_client: Callable[[str], tuple[Client, World]]) -> None:
    """The skipped django-admin/ prefix: nobody in this test gets past its door."""
    for visitor in VISITORS:
        client, _ = visitor_client(visitor)
        response = client.get("/django-admin/service_requests/servicerequest/")
        assert response.status_code == 302, visitor
        assert urlsplit(response["Location"]).path == "/django-admin/login/", visitor
