"""Photos: checked by content, GPS read then stripped, turned upright, shrunk; the photo step; who sees them."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from pytest_django.fixtures import Settings

from tests.service_requests.conftest import Teams, make_category
from tests.service_requests.test_backoffice_queue import NORTH_POINT, make_staff, report, signed_in
from tests.service_requests.test_report_helpers import POSTCODE, UPRN, draft_url, page, path_of, start, to_check
from townhall.accounts.constants import StaffRole
from townhall.service_requests import services
from townhall.service_requests.constants import Channel, PhotoPolicy
from townhall.service_requests.models import Category, RequestPhoto, ServiceRequest
from townhall.service_requests.photos import MAX_PHOTOS, MAX_UPLOAD_BYTES, photo_prepare

pytestmark = pytest.mark.django_db

# 54° 34' 12.5" N, 1° 14' 3" W: Teesside, as a phone writes it (degrees, minutes, seconds; N/S and E/W refs).
GPS = {1: "N", 2: (54.0, 34.0, 12.5), 3: "W", 4: (1.0, 14.0, 3.0)}
ORIENTATION_TAG, GPS_TAG, MAKE_TAG = 0x0112, 0x8825, 0x010F


@pytest.fixture(autouse=True)
def media_root(settings: Settings, tmp_path: Path) -> Path:
    """Uploaded photos go to a temporary folder, never var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg(
    size: tuple[int, int] = (400, 300), *, gps: bool = True, orientation: int | None = None, split: bool = False
) -> bytes:
    """A JPEG as a phone would send it: EXIF with the camera make, optionally GPS and orientation.

    `split` paints the left half red and the right half blue, so a rotation can be seen.
    """
    image = Image.new("RGB", size, (200, 30, 30))
    if split:
        image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[MAKE_TAG] = "PhoneCo"
    if orientation is not None:
        exif[ORIENTATION_TAG] = orientation
    if gps:
        exif[GPS_TAG] = GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def upload(content: bytes, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def other_format(fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, fmt)
    return out.getvalue()


# --- photo_prepare -----------------------------------------------------------------------------


def test_gps_is_read_then_absent_from_the_stored_file(pothole: Category) -> None:
    prepared = photo_prepare(upload(jpeg()))
    assert prepared.exif_lat == pytest.approx(54.570139, abs=1e-5)
    assert prepared.exif_lng == pytest.approx(-1.234167, abs=1e-5)

    created = report(pothole)
    photo = services.request_photo_store(prepared=prepared, request=created)
    photo.refresh_from_db()
    assert (photo.exif_lat, photo.exif_lng) == (prepared.exif_lat, prepared.exif_lng)
    assert photo.content_type == "image/jpeg"
    assert photo.size_bytes == len(prepared.content)
    assert "IMG_0001" not in photo.image.name  # never the uploader's file name
    with photo.image.open("rb") as stored_file:
        stored = stored_file.read()
    assert b"PhoneCo" not in stored
    assert b"Exif" not in stored
    reopened = Image.open(io.BytesIO(stored))
    assert reopened.format == "JPEG"
    assert dict(reopened.getexif()) == {}
    assert "exif" not in reopened.info
    assert "icc_profile" not in reopened.info


def test_a_photo_without_gps_has_no_position() -> None:
    prepared = photo_prepare(upload(jpeg(gps=False)))
    assert (prepared.exif_lat, prepared.exif_lng) == (None, None)


def test_exif_orientation_is_applied() -> None:
    """Orientation 6: the camera was turned; the picture is rotated 90° clockwise to stand upright."""
    prepared = photo_prepare(upload(jpeg((300, 100), orientation=6, split=True)))
    assert (prepared.width, prepared.height) == (100, 300)
    upright = Image.open(io.BytesIO(prepared.content)).convert("RGB")
    top, bottom = upright.getpixel((50, 20)), upright.getpixel((50, 280))
    red, blue = (200, 30, 30), (30, 30, 200)
    assert max(abs(a - b) for a, b in zip(top, red, strict=True)) < 40, top  # the red left half is now on top
    assert max(abs(a - b) for a, b in zip(bottom, blue, strict=True)) < 40, bottom


def test_large_photos_are_shrunk_to_2048_pixels_on_the_longest_side() -> None:
    prepared = photo_prepare(upload(jpeg((4000, 3000), gps=False)))
    assert (prepared.width, prepared.height) == (2048, 1536)
    small = photo_prepare(upload(jpeg((640, 480), gps=False)))
    assert (small.width, small.height) == (640, 480)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_re_encoded_as_jpeg(fmt: str) -> None:
    prepared = photo_prepare(upload(other_format(fmt, mode="RGBA" if fmt == "PNG" else "RGB"), name="x.png"))
    assert Image.open(io.BytesIO(prepared.content)).format == "JPEG"
    assert (prepared.width, prepared.height) == (40, 30)


@pytest.mark.parametrize(
    "content",
    [other_format("GIF"), other_format("BMP"), b"%PDF-1.7\n1 0 obj<<>>endobj\n", b"<script>alert(1)</script>"],
    ids=["gif", "bmp", "pdf", "html"],
)
def test_other_types_are_refused_whatever_the_file_is_called(content: bytes) -> None:
    with pytest.raises(ValidationError) as refused:
        photo_prepare(upload(content, name="holiday.jpg"))
    assert refused.value.messages == ["The selected file must be a JPG, PNG or WebP"]


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ValidationError, match="The selected file is empty"):
        photo_prepare(upload(b""))


def test_a_file_over_20mb_is_refused() -> None:
    big = jpeg(gps=False) + b"\0" * MAX_UPLOAD_BYTES
    with pytest.raises(ValidationError, match="smaller than 20MB"):
        photo_prepare(upload(big))


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded() -> None:
    bomb = other_format("PNG", size=(10_000, 6_000), mode="1")  # 60 megapixels, a few kilobytes
    assert len(bomb) < 1_000_000
    with pytest.raises(ValidationError, match="50 megapixels"):
        photo_prepare(upload(bomb, name="bomb.png"))


def test_at_most_three_photos_per_report(pothole: Category) -> None:
    created = report(pothole)
    for order in (1, 2, 3):
        services.request_photo_store(prepared=photo_prepare(upload(jpeg())), request=created, order=order)
    with pytest.raises(ValidationError, match="up to 3 photos"):
        services.request_photo_store(prepared=photo_prepare(upload(jpeg())), request=created, order=4)
    assert RequestPhoto.objects.filter(request=created).count() == 3


# --- the photo step of the journey -------------------------------------------------------------


def to_description(client: Client, category: Category) -> str:
    """Category and address for a category without questions; the draft's first URL."""
    first = start(client)
    path_of(client.post(first, {"category": category.pk}))
    path_of(client.post(draft_url(first, "location"), {"postcode": POSTCODE}))
    assert path_of(client.post(draft_url(first, "location/address"), {"uprn": UPRN})) == draft_url(first, "questions")
    assert path_of(client.get(draft_url(first, "questions"))) == draft_url(first, "description")
    return first


def to_photos(client: Client, category: Category) -> str:
    first = to_check(client, category)
    nxt = path_of(client.post(draft_url(first, "description"), {"description": "Deep hole"}))
    assert nxt == draft_url(first, "photos")
    return first


def post_photo(client: Client, first: str, content: bytes, *, action: str = "upload", name: str = "a.jpg"):
    return client.post(draft_url(first, "photos"), {"photo": upload(content, name=name), "action": action})


def test_resident_uploads_photos_one_at_a_time_and_sees_them_on_check(client: Client, pothole, resident) -> None:
    client.force_login(resident)
    first = to_photos(client, pothole)
    assert "Upload a photo" in page(client, draft_url(first, "photos"))
    assert path_of(post_photo(client, first, jpeg())) == draft_url(first, "photos")
    assert path_of(post_photo(client, first, jpeg(gps=False))) == draft_url(first, "photos")
    html = page(client, draft_url(first, "photos"))
    assert html.count("Remove<span") == 2
    photos = list(RequestPhoto.objects.order_by("id"))
    assert [p.request_id for p in photos] == [None, None]

    # The draft's photos are shown to this session only.
    assert client.get(draft_url(first, f"photos/{photos[0].pk}")).status_code == 200
    stranger = Client()
    assert stranger.get(draft_url(first, f"photos/{photos[0].pk}")).status_code == 302  # no such draft: to start
    stranger.force_login(resident)
    assert stranger.get(draft_url(first, f"photos/{photos[0].pk}")).status_code == 302

    assert path_of(client.post(draft_url(first, "photos"), {"action": "continue"})) == draft_url(first, "check")
    check = page(client, draft_url(first, "check"))
    assert check.count(f"{draft_url(first, 'photos')}") >= 3  # two thumbnails and the change link

    path_of(client.post(draft_url(first, "check")))
    created = ServiceRequest.objects.get()
    attached = list(RequestPhoto.objects.filter(request=created).order_by("order"))
    assert [(p.order, p.draft_key) for p in attached] == [(1, ""), (2, "")]
    assert attached[0].exif_lat is not None
    assert attached[1].exif_lat is None


def test_a_disguised_file_gets_an_error_summary(client: Client, pothole) -> None:
    first = to_photos(client, pothole)
    response = post_photo(client, first, other_format("GIF"), name="pothole.jpg")
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "The selected file must be a JPG, PNG or WebP" in html
    assert "<title>Error: " in html
    nothing = client.post(draft_url(first, "photos"), {"action": "upload"})
    assert nothing.status_code == 400
    assert "Select a photo to upload" in nothing.content.decode()
    assert not RequestPhoto.objects.exists()


def test_no_fourth_photo_and_remove_makes_room(client: Client, pothole) -> None:
    first = to_photos(client, pothole)
    for _ in range(3):
        path_of(post_photo(client, first, jpeg()))
    html = page(client, draft_url(first, "photos"))
    assert "which is the most you can add" in html
    assert 'type="file"' not in html
    response = post_photo(client, first, jpeg())
    assert response.status_code == 400
    assert "You can add up to 3 photos" in response.content.decode()
    assert RequestPhoto.objects.count() == 3

    removed = RequestPhoto.objects.first()
    assert removed is not None
    assert path_of(client.post(draft_url(first, "photos/remove"), {"photo": removed.pk})) == draft_url(first, "photos")
    assert RequestPhoto.objects.count() == 2
    assert 'type="file"' in page(client, draft_url(first, "photos"))


def test_a_required_photo_must_be_given(client: Client, pothole, roads, teams: Teams) -> None:
    needs_photo = make_category(roads, teams.highways, service_code="graffiti", name="Graffiti", photos="required")
    first = to_description(client, needs_photo)
    assert path_of(client.post(draft_url(first, "description"), {"description": "Tags"})) == draft_url(first, "photos")
    assert "Add a photo of the problem" in page(client, draft_url(first, "photos"))
    response = client.post(draft_url(first, "photos"), {"action": "continue"})
    assert response.status_code == 400
    assert "Select a photo of the problem" in response.content.decode()
    # A file chosen before pressing Continue is uploaded and counts.
    assert path_of(post_photo(client, first, jpeg(), action="continue")) == draft_url(first, "contact")


def test_categories_without_photos_skip_the_step(client: Client, roads, teams: Teams, borough) -> None:
    no_photos = make_category(
        roads, teams.highways, service_code="streetlight", name="Street light", photos=PhotoPolicy.NOT_ALLOWED
    )
    first = to_description(client, no_photos)
    nxt = path_of(client.post(draft_url(first, "description"), {"description": "Light out"}))
    assert nxt == draft_url(first, "contact")
    assert path_of(client.get(draft_url(first, "photos"))) == draft_url(first, "contact")
    contact = page(client, nxt)
    assert f'href="{draft_url(first, "description")}" class="govuk-back-link"' in contact  # not the photo step


# --- who may see a stored photo ----------------------------------------------------------------


def test_public_photo_of_a_public_report_is_served_to_anyone(client: Client, pothole) -> None:
    created = report(pothole)
    photo = services.request_photo_store(prepared=photo_prepare(upload(jpeg())), request=created)
    response = client.get(f"/report/{created.reference}/photos/{photo.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert client.get(f"/report/DB-1999-000001/photos/{photo.pk}/").status_code == 404  # wrong reference
    assert f"/report/{created.reference}/photos/{photo.pk}/" in page(client, f"/report/{created.reference}/")


def test_hidden_photos_are_for_the_requests_own_team_only(pothole, teams: Teams) -> None:
    created = report(pothole)  # Northfield: Highways North
    photo = services.request_photo_store(prepared=photo_prepare(upload(jpeg())), request=created)
    RequestPhoto.objects.filter(pk=photo.pk).update(is_public=False)
    url = f"/report/{created.reference}/photos/{photo.pk}/"
    assert Client().get(url).status_code == 404
    assert url not in Client().get(f"/report/{created.reference}/").content.decode()
    north = make_staff("north@council.example", StaffRole.CASE_OFFICER, teams.highways_north)
    waste = make_staff("waste@council.example", StaffRole.CASE_OFFICER, teams.waste)
    # Staff see hidden photos only from the back office (behind the MFA'd staff door), never via /report/.
    assert signed_in(north).get(url).status_code == 404
    staff_url = f"/staff/requests/{created.pk}/photos/{photo.pk}/"
    assert signed_in(north).get(staff_url).status_code == 200
    assert signed_in(waste).get(staff_url).status_code == 404


def test_photos_of_unconfirmed_or_non_public_reports_are_not_public(pothole, roads, teams: Teams) -> None:
    waiting = report(pothole, confirm_by_email=True)
    private = report(make_category(roads, teams.highways, service_code="concern", name="Concern", is_public=False))
    for found in (waiting, private):
        photo = services.request_photo_store(prepared=photo_prepare(upload(jpeg())), request=found)
        assert Client().get(f"/report/{found.reference}/photos/{photo.pk}/").status_code == 404


def test_stale_draft_photos_are_deleted_with_their_files(pothole, media_root: Path, django_capture_on_commit_callbacks):
    old = services.request_photo_store(prepared=photo_prepare(upload(jpeg())), draft_key="old-draft")
    fresh = services.request_photo_store(prepared=photo_prepare(upload(jpeg())), draft_key="new-draft")
    attached = services.request_photo_store(prepared=photo_prepare(upload(jpeg())), request=report(pothole))
    RequestPhoto.objects.filter(pk__in=[old.pk, attached.pk]).update(
        uploaded_at=timezone.now() - dt.timedelta(days=1, minutes=1)
    )
    old_file = media_root / old.image.name
    assert old_file.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.draft_photos_delete_stale() == 1
    assert set(RequestPhoto.objects.values_list("pk", flat=True)) == {fresh.pk, attached.pk}
    assert not old_file.exists()
    assert (media_root / fresh.image.name).exists()


def test_files_left_by_a_rolled_back_report_are_swept_once_a_day_old(pothole, media_root: Path) -> None:
    kept = services.request_photo_store(prepared=photo_prepare(upload(jpeg())), request=report(pothole))
    too_many = [photo_prepare(upload(jpeg())) for _ in range(MAX_PHOTOS + 1)]
    before = set((media_root / "request-photos").iterdir())
    with pytest.raises(ValidationError):  # the fourth photo is refused: the request and its rows roll back
        services.service_request_create_with_photos(
            photos=too_many,
            acting_user=None,
            category=pothole,
            description="A deep hole",
            channel=Channel.OPEN311,
            lat=NORTH_POINT[0],
            lng=NORTH_POINT[1],
            answers={"depth": "deep"},
            contact=services.ReporterContact(name="Ann", email="ann@example.org"),
        )
    assert ServiceRequest.objects.count() == 1
    orphans = set((media_root / "request-photos").iterdir()) - before
    assert len(orphans) == MAX_PHOTOS, "the stored files outlive the rollback"
    assert services.media_orphans_delete() == 0, "too young: their transaction might still be running"

    old = (timezone.now() - dt.timedelta(days=2)).timestamp()
    for path in [*orphans, media_root / kept.image.name]:
        os.utime(path, (old, old))
    assert services.media_orphans_delete() == MAX_PHOTOS
    assert not any(path.exists() for path in orphans)
    assert (media_root / kept.image.name).exists(), "a file with its row stays, however old"
