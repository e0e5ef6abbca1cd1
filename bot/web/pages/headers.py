"""The security headers every page carries.

The Content-Security-Policy allows only Nexus's own files: no inline script or style, no other
origin, no plugins, no framing. So even a template that forgot to escape could not run what it
let through, and the pages work offline (nothing comes from a CDN). Highlighted code is styled
by classes (Pygments' stylesheet is a static file), never by `style` attributes.
"""

from __future__ import annotations

from typing import Final

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS: Final[dict[str, str]] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Pages show members' data for one viewer: shared caches must not keep them.
    "Cache-Control": "private, no-cache",
}
# A file members wrote, sent for download: never rendered, never sniffed into HTML.
DOWNLOAD_HEADERS: Final[dict[str, str]] = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-cache",
}
