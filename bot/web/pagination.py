"""Cursor pagination: opaque cursors, a `next` link in the body and in a `Link` header.

A cursor is the keyset position a service returned (the last row's sort values), base64url
JSON, so callers treat it as a token; since the service seeks past that position, rows inserted
meanwhile never shift a page, unlike OFFSET.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, Field

from bot.web.problems import ApiProblem

if TYPE_CHECKING:
    from fastapi import Request

T = TypeVar("T")
BAD_CURSOR = "That cursor is not one Nexus gave out; start again without it."


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = Field(description="the next page's URL, or null on the last page")


def encode_cursor(position: Any) -> str:
    raw = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str | None) -> Any:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeError):
        raise ApiProblem(400, BAD_CURSOR) from None


def id_cursor(cursor: str | None) -> int | None:
    """The position of a list kept in id (or number) order: the last row's, one positive
    integer; a 400 for anything else."""
    decoded: Any = decode_cursor(cursor)
    if decoded is None:
        return None
    if type(decoded) is not int or decoded < 1:  # `type`: a JSON true is no position
        raise ApiProblem(400, BAD_CURSOR)
    return decoded


def next_link(request: Request, position: Any) -> str | None:
    """The path and query of the page after `position` (None: this was the last page)."""
    if position is None:
        return None
    url = request.url.include_query_params(cursor=encode_cursor(position))
    return f"{url.path}?{url.query}"


def link_header(link: str | None) -> dict[str, str]:
    """RFC 8288's `Link: <…>; rel="next"`, for clients that follow headers rather than bodies."""
    return {} if link is None else {"Link": f'<{link}>; rel="next"'}
