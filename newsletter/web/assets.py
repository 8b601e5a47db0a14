"""The two small files every page asks for: the favicon and the topic list's All/None script.

Both are built here rather than shipped as files, so the wheel needs no static folder and
the favicon stays a real ICO (a 32x32 PNG inside), which every browser reads.
"""

from __future__ import annotations

import struct
import zlib

from starlette.requests import Request
from starlette.responses import Response

_CACHE = {"Cache-Control": "public, max-age=86400"}
ICON_COLOUR = (0x09, 0x69, 0xDA)  # the pages' link and button blue
_SIZE = 32

TOPICS_SCRIPT = """\
// "All" and "None" for the topic check boxes; hidden until this script runs.
document.querySelectorAll("[data-check-topics]").forEach(function (button) {
  button.parentElement.hidden = false;
  button.addEventListener("click", function () {
    var on = button.getAttribute("data-check-topics") === "all";
    button.closest("fieldset").querySelectorAll("input[name=topics]").forEach(function (box) {
      box.checked = on;
    });
  });
});
"""


def _png(size: int, colour: tuple[int, int, int]) -> bytes:
    """A square: the colour with a white page-like bar across the middle (a digest)."""
    white, fill = bytes((255, 255, 255)), bytes(colour)
    rows = b""
    for y in range(size):
        in_bar = size // 3 <= y < size - size // 3
        line = b"".join(
            white if in_bar and size // 5 <= x < size - size // 5 else fill for x in range(size)
        )
        rows += b"\x00" + line

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _ico(png: bytes, size: int) -> bytes:
    entry = struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(png), 6 + 16)
    return struct.pack("<HHH", 0, 1, 1) + entry + png


FAVICON = _ico(_png(_SIZE, ICON_COLOUR), _SIZE)


async def favicon(request: Request) -> Response:
    return Response(FAVICON, media_type="image/x-icon", headers=_CACHE)


async def topics_script(request: Request) -> Response:
    return Response(TOPICS_SCRIPT, media_type="text/javascript; charset=utf-8", headers=_CACHE)
