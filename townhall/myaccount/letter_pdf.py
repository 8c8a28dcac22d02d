"""A message as an accessible PDF (PDF/UA-1: tagged, with language and title), made by WeasyPrint.

For residents who keep or print their letters. Residents who asked for large print get it
here too. WeasyPrint needs Pango (a Debian package, installed by `make run` and `make
test`); without it, PdfUnavailableError, and the HTML version of the message still works.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from townhall.notify.models import Correspondence


class PdfUnavailableError(RuntimeError):
    """This server cannot make PDFs (Pango is missing)."""


def message_pdf(message: Correspondence, *, address_lines: list[str], large_print: bool, council: Any) -> bytes:
    try:
        from weasyprint import HTML  # imported here: it loads Pango, which a server may lack
    except (ImportError, OSError) as error:
        raise PdfUnavailableError(str(error)) from error
    html = render_to_string(
        "myaccount/message_pdf.html",
        {"message": message, "address_lines": address_lines, "large_print": large_print, "council": council},
    )
    return bytes(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))
