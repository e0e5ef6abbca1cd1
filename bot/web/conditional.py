"""ETag and If-None-Match: a read answers 304 when the caller already holds what it would send.

The ETag is a hash of the body itself, so it changes exactly when the representation does,
whatever the feature behind it; a 304 saves the transfer, not the query.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from fastapi.responses import Response

if TYPE_CHECKING:
    from fastapi import Request

# Answers depend on the caller's token: caches may keep them for that caller only, revalidating.
CACHE_HEADERS = {"Cache-Control": "private, no-cache", "Vary": "Authorization"}


def conditional(
    request: Request,
    body: bytes,
    media_type: str,
    headers: dict[str, str] | None = None,
    *,
    identity: bytes | None = None,
) -> Response:
    """`body`, or a 304 when the caller holds its ETag. `identity` is what the ETag is a hash
    of when the body carries a part that changes by itself (a feed's DTSTAMP, the time it was
    made): the data it shows, so the tag changes when the data does and only then."""
    etag = '"' + hashlib.sha256(body if identity is None else identity).hexdigest()[:32] + '"'
    sent = {**CACHE_HEADERS, **(headers or {}), "ETag": etag}
    wanted = request.headers.get("if-none-match", "")
    held = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
    if etag in held or "*" in held:
        return Response(status_code=304, headers={**CACHE_HEADERS, "ETag": etag})
    return Response(body, media_type=media_type, headers=sent)
