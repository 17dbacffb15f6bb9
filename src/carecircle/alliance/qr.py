"""QR images of voucher codes (segno, pure Python): inline SVG on the customer's page, PNG or
SVG files from the owner-only endpoint.

The QR holds a link to the merchant portal with the code as ``?code=…``: a merchant's phone
camera opens the portal with the code filled in, and a till's scanner, which types what it
reads into the code field, is understood too (``rules.code_from_scan``).  The link carries
nothing but the code, which the customer shows the merchant anyway.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno

from . import rules

# Medium error correction (15 %) survives a cracked phone screen or a glare spot.
ERROR = "m"


def payload(base_url: str, code: str) -> str:
    """``base_url`` is the merchant portal's absolute URL (request.build_absolute_uri)."""
    return f"{base_url}?{urlencode({'code': rules.display(code)})}"


def svg_inline(data: str, scale: int = 4) -> str:
    """An ``<svg>`` element to put in a page (no XML declaration, sized by ``scale``)."""
    return segno.make(data, error=ERROR).svg_inline(scale=scale, title="QR")


def image(data: str, fmt: str, scale: int = 8) -> tuple[bytes, str]:
    """(body, content type) for ``fmt`` "png" or "svg"."""
    out = io.BytesIO()
    segno.make(data, error=ERROR).save(out, kind=fmt, scale=scale, border=4)
    return out.getvalue(), "image/png" if fmt == "png" else "image/svg+xml"
