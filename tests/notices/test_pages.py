"""The public news pages and Atom feeds, and the staff pages at /staff/notices/, through HTTP."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from tests.notices.conftest import MakeNotice, in_days
from tests.service_requests.conftest import Borough
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.notices.constants import PUBLIC_PAGE_SIZE, NoticeKind
from townhall.notices.models import Notice
from townhall.service_requests.models import CategoryGroup

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_list_filters_by_kind_and_ward_with_a_plain_get_form(
    client: Client, make_notice: MakeNotice, borough: Borough
) -> None:
    make_notice(NoticeKind.EVENT, "Litter pick on Station Road", wards=[borough.northfield])
    make_notice(NoticeKind.SERVICE_CHANGE, "Mill Lane library closed for repairs", wards=[borough.southfield])
    make_notice(NoticeKind.WARD_NEWS, "New benches for the borough")
    make_notice(NoticeKind.EVENT, "Secret draft", publish=False)

    page = client.get("/news/").content.decode()
    assert '<form method="get" action="/news/"' in page
    for title in ("Litter pick on Station Road", "Mill Lane library closed", "New benches for the borough"):
        assert title in page
    assert "Secret draft" not in page
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0], "the list needs no JavaScript"

    events = client.get("/news/?kind=event").content.decode()
    assert "Litter pick" in events
    assert "Mill Lane library" not in events
    southfield = client.get("/news/?ward=E05099902").content.decode()
    assert "Mill Lane library" in southfield
    assert "New benches" in southfield, "borough-wide notices are in every ward's list"
    assert "Litter pick" not in southfield
    assert 'href="/feeds/notices/ward/E05099902.atom"' in southfield
    edited = client.get("/news/?ward=nonsense&kind=<script>")
    assert edited.status_code == 200
    assert "Litter pick" in edited.content.decode(), "an edited URL is ignored, not an error"


def test_list_pages(client: Client, make_notice: MakeNotice) -> None:
    for number in range(PUBLIC_PAGE_SIZE + 1):
        make_notice(NoticeKind.WARD_NEWS, f"News item {number:02d}")
    first = client.get("/news/").content.decode()
    assert f"{PUBLIC_PAGE_SIZE + 1} notices, showing 1 to {PUBLIC_PAGE_SIZE}" in first
    second = client.get("/news/?page=2").content.decode()
    assert "News item 00" in second


def test_detail_shows_paragraphs_and_hides_what_is_not_public(
    client: Client, make_notice: MakeNotice, borough: Borough
) -> None:
    live = make_notice(
        NoticeKind.EVENT,
        "Family fun day",
        wards=[borough.northfield],
        location="Northfield Park bandstand",
        body="Games for all ages.\n\nBring a <picnic>.",
    )
    page = client.get(f"/news/{live.pk}/").content.decode()
    assert "<p>Games for all ages.</p>" in page
    assert "Bring a &lt;picnic&gt;." in page
    assert "Northfield Park bandstand" in page
    assert "Northfield ward" in page

    draft = make_notice(publish=False)
    scheduled = make_notice(publish=False)
    Notice.staff_objects.filter(pk=scheduled.pk).update(publish_at=timezone.now() + dt.timedelta(hours=1))
    withdrawn = make_notice()
    Notice.staff_objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    for hidden in (draft, scheduled, withdrawn):
        assert client.get(f"/news/{hidden.pk}/").status_code == 404
    assert client.get("/news/999999/").status_code == 404


def test_atom_feeds_are_valid_and_list_current_public_notices(
    client: Client, make_notice: MakeNotice, borough: Borough, parks: CategoryGroup
) -> None:
    make_notice(NoticeKind.EVENT, "Tree planting", wards=[borough.northfield], category_group=parks)
    make_notice(NoticeKind.SERVICE_CHANGE, "Tip opening hours change")
    make_notice(NoticeKind.WARD_NEWS, "Southfield news", wards=[borough.southfield])
    make_notice(NoticeKind.EVENT, "Not yet", publish=False)

    response = client.get("/feeds/notices.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own output
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None
    entries = feed.findall(f"{ATOM}entry")
    titles = sorted(entry.findtext(f"{ATOM}title") or "" for entry in entries)
    assert titles == [
        "Local event: Tree planting",
        "Service change: Tip opening hours change",
        "Ward news: Southfield news",
    ]
    for entry in entries:
        for required in ("id", "title", "updated", "link", "summary"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    tree = next(entry for entry in entries if "Tree" in (entry.findtext(f"{ATOM}title") or ""))
    assert {category.get("term") for category in tree.findall(f"{ATOM}category")} == {"Local event", "Parks"}

    ward = ET.fromstring(client.get("/feeds/notices/ward/E05099901.atom").content)  # noqa: S314
    assert sorted(entry.findtext(f"{ATOM}title") or "" for entry in ward.findall(f"{ATOM}entry")) == [
        "Local event: Tree planting",
        "Service change: Tip opening hours change",
    ]
    assert client.get("/feeds/notices/ward/E99999999.atom").status_code == 404


STAFF_URLS: tuple[Callable[[Notice], str], ...] = (
    lambda notice: "/staff/notices/",
    lambda notice: "/staff/notices/new/",
    lambda notice: f"/staff/notices/edit/{notice.pk}/",
    lambda notice: f"/staff/notices/publish/{notice.pk}/",
)


@pytest.mark.parametrize("role", [StaffRole.CASE_OFFICER, StaffRole.CUSTOMER_SERVICE_ADVISER, StaffRole.DATA_STEWARD])
def test_staff_without_the_role_get_404_and_change_nothing(
    staff_client: Callable[[StaffRole], Client], make_notice: MakeNotice, role: StaffRole
) -> None:
    notice = make_notice(publish=False)
    client = staff_client(role)
    for url in STAFF_URLS:
        assert client.get(url(notice)).status_code == 404
    assert client.post(f"/staff/notices/publish/{notice.pk}/", {"when": "now"}).status_code == 404
    notice.refresh_from_db()
    assert notice.publish_at is None


def test_residents_and_anonymous_visitors_cannot_reach_staff_pages(
    client: Client, resident: User, make_notice: MakeNotice
) -> None:
    notice = make_notice(publish=False)
    assert client.get("/staff/notices/").status_code == 302  # to sign in
    client.force_login(resident)
    for url in STAFF_URLS:
        assert client.get(url(notice)).status_code == 404


def test_team_manager_writes_publishes_and_withdraws_a_notice(
    staff_client: Callable[[StaffRole], Client],
    staff_by_role: dict[StaffRole, User],
    borough: Borough,
    parks: CategoryGroup,
) -> None:
    client = staff_client(StaffRole.TEAM_MANAGER)
    assert "Write a notice" in client.get("/staff/notices/").content.decode()
    errors = client.post("/staff/notices/new/", {"kind": "event", "title": "Tree planting"})
    assert errors.status_code == 200
    assert "govuk-error-summary" in errors.content.decode()
    assert "Enter when the event starts" in errors.content.decode() or "Enter a summary" in errors.content.decode()
    assert not Notice.staff_objects.exists()

    starts = in_days(4)
    response = client.post(
        "/staff/notices/new/",
        {
            "kind": "event",
            "title": "Tree planting",
            "summary": "Help plant 50 trees.",
            "body": "Meet at the gate.\n\nTools provided.",
            "wards": [str(borough.northfield.pk)],
            "category_group": str(parks.pk),
            "starts_at": timezone.localtime(starts).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(starts + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "location": "Northfield Park",
        },
    )
    notice = Notice.staff_objects.get()
    assert response["Location"] == f"/staff/notices/publish/{notice.pk}/"
    assert client.get(f"/news/{notice.pk}/").status_code == 404, "a draft is not public"

    later = timezone.localtime() + dt.timedelta(days=1)
    client.post(
        f"/staff/notices/publish/{notice.pk}/", {"when": "later", "publish_at": later.strftime("%Y-%m-%dT%H:%M")}
    )
    assert client.get(f"/news/{notice.pk}/").status_code == 404, "a scheduled notice is not public yet"
    client.post(f"/staff/notices/publish/{notice.pk}/", {"action": "withdraw"})
    refused = client.post(f"/staff/notices/publish/{notice.pk}/", {"when": "later"})
    assert refused.status_code == 400
    assert "Enter the publishing time" in refused.content.decode()
    client.post(f"/staff/notices/publish/{notice.pk}/", {"when": "now"})
    assert client.get(f"/news/{notice.pk}/").status_code == 200
    assert "Tree planting" in client.get("/news/").content.decode()

    client.post(f"/staff/notices/publish/{notice.pk}/", {"action": "withdraw"})
    assert client.get(f"/news/{notice.pk}/").status_code == 404
    manager = staff_by_role[StaffRole.TEAM_MANAGER]
    assert list(
        AuditEntry.objects.filter(object_type="notices.notice").order_by("sequence").values_list("action", "actor_id")
    ) == [
        ("notices.notice.created", manager.pk),
        ("notices.notice.published", manager.pk),
        ("notices.notice.withdrawn", manager.pk),
        ("notices.notice.published", manager.pk),
        ("notices.notice.withdrawn", manager.pk),
    ]
    edit = client.get(f"/staff/notices/edit/{notice.pk}/").content.decode()
    assert 'value="Tree planting"' in edit
