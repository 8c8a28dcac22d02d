"""GET requests with FixMyStreet's extensions: `extensions=true` (extended_attributes), paging, and media_url photos."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.open311.conftest import SECRET_EMAIL, SECRET_NAME, SECRET_PHONE, assert_json, assert_xml, jpeg, report
from tests.service_requests.conftest import NORTH_POINT
from townhall.service_requests import services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import RequestPhoto, ServiceRequest
from townhall.service_requests.photos import photo_prepare

BASE = "/open311/v2"


def test_extensions_add_the_extended_status_and_reporter_free_fields(client, pothole):
    made = report(pothole, NORTH_POINT)
    services.service_request_status_change(acting_user=None, service_request=made, to=Status.ACTION_SCHEDULED)

    body = assert_json(client.get(f"{BASE}/requests.json", {"extensions": "true"}), "requests-extended")
    assert body[0]["status"] == "open"
    assert body[0]["extended_attributes"] == {
        "status": "ACTION_SCHEDULED",
        "title": "Pothole",
        "detail": "Deep pothole by the bus stop",
    }
    document = assert_xml(
        client.get(f"{BASE}/requests.xml", {"extensions": "true", "jurisdiction_id": "demo"}),
        "service_requests_extended",
    )
    assert document.findtext("request/extended_attributes/status") == "ACTION_SCHEDULED"
    detail = assert_json(
        client.get(f"{BASE}/requests/{made.reference}.json", {"extensions": "TRUE"}), "requests-extended"
    )
    assert detail[0]["extended_attributes"]["status"] == "ACTION_SCHEDULED"
    for response in (client.get(f"{BASE}/requests.json", {"extensions": "true"}),):
        for secret in (SECRET_NAME, SECRET_EMAIL, SECRET_PHONE):
            assert secret not in response.content.decode()


def test_without_extensions_the_rows_are_plain_georeport(client, pothole):
    report(pothole, NORTH_POINT)
    body = assert_json(client.get(f"{BASE}/requests.json", {"extensions": "false"}), "requests")
    assert "extended_attributes" not in body[0]
    assert_xml(client.get(f"{BASE}/requests.xml"), "service_requests")


def test_paging_newest_first(client, pothole):
    made = [report(pothole, NORTH_POINT) for _ in range(5)]
    newest_first = [item.reference for item in reversed(made)]

    pages = [
        [row["service_request_id"] for row in assert_json(client.get(f"{BASE}/requests.json", query), "requests")]
        for query in ({"page_size": "2"}, {"page_size": "2", "page": "2"}, {"page_size": "2", "page": "3"})
    ]
    assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:]]
    document = assert_xml(client.get(f"{BASE}/requests.xml", {"page_size": "2", "page": "9"}), "service_requests")
    assert document.findall("request") == []
    for bad in ({"page": "0"}, {"page_size": "0"}, {"page_size": "1001"}, {"page": "two"}):
        assert_json(client.get(f"{BASE}/requests.json", bad), "errors", status=400)
        assert_xml(client.get(f"{BASE}/requests.xml", bad), "errors", status=400)


def test_media_url_is_the_first_public_photo(client, pothole):
    made = report(pothole, NORTH_POINT)
    hidden = services.request_photo_store(prepared=photo_prepare(jpeg()), request=made, order=1)
    shown = services.request_photo_store(prepared=photo_prepare(jpeg()), request=made, order=2)
    RequestPhoto.objects.filter(pk=hidden.pk).update(is_public=False)

    body = assert_json(client.get(f"{BASE}/requests/{made.reference}.json"), "requests")
    assert body[0]["media_url"] == f"http://testserver/report/{made.reference}/photos/{shown.pk}/"
    document = assert_xml(client.get(f"{BASE}/requests.xml"), "service_requests")
    assert document.findtext("request/media_url").endswith(f"/photos/{shown.pk}/")

    RequestPhoto.objects.filter(pk=shown.pk).update(is_public=False)
    assert assert_json(client.get(f"{BASE}/requests.json"), "requests")[0]["media_url"] is None


def test_a_posted_photo_is_stored_and_listed(client, pothole, api_key):
    lat, lng = NORTH_POINT
    body = {
        "jurisdiction_id": "demo",
        "api_key": api_key,
        "service_code": "pothole",
        "lat": str(lat),
        "long": str(lng),
        "description": "Pothole",
        "attribute[depth]": "deep",
        "photo1": jpeg("a.jpeg"),
        "photo2": jpeg("b.jpeg"),
    }
    reference = assert_xml(client.post(f"{BASE}/requests.xml", body), "request_created").findtext(
        "request/service_request_id"
    )
    made = ServiceRequest.objects.get(reference=reference)
    photos = list(made.photos.order_by("order"))
    assert [photo.order for photo in photos] == [1, 2]
    assert [photo.original_name for photo in photos] == ["a.jpeg", "b.jpeg"]
    media_url = assert_json(client.get(f"{BASE}/requests.json"), "requests")[0]["media_url"]
    assert media_url.endswith(f"/report/{reference}/photos/{photos[0].pk}/")


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_created(client, pothole, api_key):
    lat, lng = NORTH_POINT
    body = {
        "api_key": api_key,
        "service_code": "pothole",
        "lat": str(lat),
        "long": str(lng),
        "description": "Pothole",
        "attribute[depth]": "deep",
        "photo1": SimpleUploadedFile("photo1.jpeg", b"not an image at all", content_type="image/jpeg"),
    }
    errors = assert_xml(client.post(f"{BASE}/requests.xml", body), "errors", status=400)
    assert errors.findtext("error/description").startswith("photo1: ")
    assert not ServiceRequest.objects.exists()
    assert not RequestPhoto.objects.exists()
