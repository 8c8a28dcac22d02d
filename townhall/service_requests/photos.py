"""Turning an uploaded photo into one Townhall is willing to store and show.

Residents' phones send JPEG, PNG, WebP (and HEIC where Pillow can read it) with an EXIF
block that often holds the exact place the photo was taken, the phone's make and the
time. We read the GPS position first (staff can use it to place the report), then throw
every byte of metadata away by decoding the pixels and re-encoding them as a fresh JPEG.
The type is decided by the content, never by the file name or the browser's claim.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50 megapixel photo is plenty; bigger is a decompression bomb, not a photo
MAX_SIDE = 2048
MAX_PHOTOS = 3
JPEG_QUALITY = 85
STORED_CONTENT_TYPE = "image/jpeg"

_ACCEPTED = {"JPEG": "JPG", "PNG": "PNG", "WEBP": "WebP", "HEIF": "HEIC"}
# GPS IFD tags (EXIF 2.3): 1 latitude ref, 2 latitude, 3 longitude ref, 4 longitude.
_GPS_LAT_REF, _GPS_LAT, _GPS_LNG_REF, _GPS_LNG = 1, 2, 3, 4


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo ready to store: metadata-free JPEG bytes, its size, and the GPS position the original carried."""

    content: bytes
    width: int
    height: int
    content_type: str
    exif_lat: float | None
    exif_lng: float | None
    original_name: str = ""

    @property
    def size_bytes(self) -> int:
        return len(self.content)


def _readable() -> list[str]:
    """Pillow's names of the accepted formats this build can read (HEIF only with a plugin registered)."""
    Image.init()
    return [name for name in _ACCEPTED if name in Image.OPEN]


def accepted_formats() -> list[str]:
    """The formats this Pillow build can read, in the words residents know."""
    return [_ACCEPTED[name] for name in _readable()]


def accepted_formats_text() -> str:
    """ "JPG, PNG or WebP"."""
    names = accepted_formats()
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _read(upload: UploadedFile) -> bytes:
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise _error("The selected file must be smaller than 20MB", "too_large")
    upload.seek(0)
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if not content:
        raise _error("The selected file is empty", "empty")
    if len(content) > MAX_UPLOAD_BYTES:
        raise _error("The selected file must be smaller than 20MB", "too_large")
    return content


def _degrees(value: Any) -> float | None:
    """(degrees, minutes, seconds) rationals -> decimal degrees; None when the tag is damaged."""
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return degrees + minutes / 60 + seconds / 3600


def _gps(image: Image.Image) -> tuple[float | None, float | None]:
    """The WGS84 position in the EXIF GPS block, if it holds a usable one."""
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # a damaged EXIF block means no position, not a refused photo
        return None, None
    lat, lng = _degrees(gps.get(_GPS_LAT)), _degrees(gps.get(_GPS_LNG))
    if lat is None or lng is None:
        return None, None
    if str(gps.get(_GPS_LAT_REF, "N")).upper().startswith("S"):
        lat = -lat
    if str(gps.get(_GPS_LNG_REF, "E")).upper().startswith("W"):
        lng = -lng
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat, lng) == (0.0, 0.0):
        return None, None
    return round(lat, 7), round(lng, 7)


def _open(content: bytes) -> Image.Image:
    wrong_type = _error(f"The selected file must be a {accepted_formats_text()}", "invalid_type")
    try:
        image = Image.open(io.BytesIO(content), formats=_readable())
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        raise wrong_type from None
    if image.format not in _ACCEPTED:
        raise wrong_type
    if image.width * image.height > MAX_PIXELS:
        raise _error("The selected photo is too big: choose one under 50 megapixels", "too_many_pixels")
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels in a brand-new image, so nothing from the original's info (EXIF, ICC, XMP, comments) survives."""
    if image.mode in {"RGBA", "LA", "P", "PA"}:
        rgba = image.convert("RGBA")
        clean = Image.new("RGB", rgba.size, (255, 255, 255))
        clean.paste(rgba, mask=rgba.getchannel("A"))
        return clean
    rgb = image.convert("RGB")
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    return clean


def photo_prepare(upload: UploadedFile) -> PreparedPhoto:
    """Check, read the GPS position of, turn upright, shrink and re-encode one uploaded photo.

    Raises ValidationError with a message fit for a GOV.UK error summary when the file is
    empty, over 20MB, not an accepted image type (whatever its name says), too many pixels,
    or cannot be decoded.
    """
    content = _read(upload)
    image = _open(content)
    lat, lng = _gps(image)
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
        clean = _flatten(upright)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise _error("The selected file could not be read: try a different photo", "unreadable") from None
    clean.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return PreparedPhoto(
        content=out.getvalue(),
        width=clean.width,
        height=clean.height,
        content_type=STORED_CONTENT_TYPE,
        exif_lat=lat,
        exif_lng=lng,
        original_name=(upload.name or "")[:255],
    )
