"""A small ZIP built in memory, sent as a private download (released council records are a few kilobytes)."""

from __future__ import annotations

import io
import zipfile

from django.http import HttpResponse


def zip_response(files: dict[str, str], *, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
