"""Development time: render ../townhall/web/assets/townhall/favicon.svg to favicon.ico and apple-touch-icon.png.

Run with the project's virtualenv after changing the SVG: `../.venv/bin/python render_icons.py`.
Chromium draws the SVG (no image library needed); the .ico holds PNG images, which every current
browser reads.
"""

import base64
import struct
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "townhall" / "web" / "assets" / "townhall"
ICO_SIZES = (16, 32, 48)
TOUCH_SIZE = 180


def render_png(svg: str, sizes: list[int]) -> dict[int, bytes]:
    data_uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    images = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        for size in sizes:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(
                f'<body style="margin:0"><img src="{data_uri}" width="{size}" height="{size}" style="display:block">'
            )
            page.wait_for_function("document.images[0].complete")
            images[size] = page.screenshot(omit_background=True)
        browser.close()
    return images


def pack_ico(images: list[tuple[int, bytes]]) -> bytes:
    """ICONDIR header, one ICONDIRENTRY per image, then the PNG bytes."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in images:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    return header + entries + blobs


def main() -> None:
    images = render_png((ICONS / "favicon.svg").read_text(), [*ICO_SIZES, TOUCH_SIZE])
    (ICONS / "apple-touch-icon.png").write_bytes(images[TOUCH_SIZE])
    (ICONS / "favicon.ico").write_bytes(pack_ico([(size, images[size]) for size in ICO_SIZES]))


if __name__ == "__main__":
    main()
