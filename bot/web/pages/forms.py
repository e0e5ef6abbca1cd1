"""Reading a page's posted form, and refusing one that did not come from Nexus's own page.

Forms are URL-encoded (what a plain HTML form sends), parsed with the standard library under a
size cap. A form that changes something must carry the CSRF token the page was rendered with
(`csrf.py`) and, when the browser says where the form came from (`Origin`), come from Nexus.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl, urlsplit

from bot.web.auth import state_of
from bot.web.pages.csrf import CSRF_FIELD, REFUSED
from bot.web.pages.viewer import pages_state
from bot.web.problems import ApiProblem

if TYPE_CHECKING:
    from fastapi import Request

FORM_TYPE: Final = "application/x-www-form-urlencoded"
MAX_FORM_BYTES: Final = 64 * 1024
MAX_FIELDS: Final = 100


async def read_form(request: Request) -> dict[str, str]:
    """The posted fields (the last value of a repeated one)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        raise ApiProblem(415, "Send the form as a web page does (URL-encoded).")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise ApiProblem(413, "That form is too large.")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise ApiProblem(400, "That form could not be read.") from None
    return dict(pairs)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def from_this_site(request: Request) -> bool:
    """Whether the browser says the request came from a Nexus page (or says nothing)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    ours = {_origin(str(request.base_url))}
    public = state_of(request).host.settings.web.public_url
    if public:
        ours.add(_origin(public))
    return origin.lower() in ours


async def checked_form(request: Request, guild_id: int, user_id: int) -> dict[str, str]:
    """The form a signed-in member posted from a Nexus page; 403 for anything else."""
    if not from_this_site(request):
        raise ApiProblem(403, REFUSED)
    form = await read_form(request)
    if not pages_state(request).csrf.valid(form.get(CSRF_FIELD), guild_id, user_id):
        raise ApiProblem(403, REFUSED)
    return form
