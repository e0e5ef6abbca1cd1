"""Endpoints as people type them (`get /api/jobs/`) and as they are stored (`GET /api/jobs`).

No Discord here: the rules are plain functions, tested directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.errors import UserFacingError

METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
PATH_MAX = 200
# What may appear in a URL path (RFC 3986 pchar and "/"), plus braces for templates
# like /jobs/{id}. No spaces, quotes or backticks: a path can then never break the bot's
# inline code formatting.
_PATH_CHARS = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@%/{}]*")
_FULL_URL = re.compile(r"https?://", re.IGNORECASE)
_TEMPLATE_PARAM = re.compile(r"\{[^/{}]+\}")


class EndpointError(UserFacingError):
    """The endpoint the user typed is not `METHOD /path`."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def normalise_path(path: str) -> str:
    """Drop a trailing slash (but keep the root "/"), and any query string or fragment."""
    path = path.split("#", 1)[0].split("?", 1)[0]
    while len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path


def parse_endpoint(text: str) -> Endpoint:
    """`get /api/jobs/` → Endpoint("GET", "/api/jobs"); anything else is explained."""
    parts = text.strip().split()
    if len(parts) != 2:
        raise EndpointError(
            "Write the endpoint as a method and a path, like `GET /api/jobs` "
            f"(methods: {', '.join(METHODS)})."
        )
    method, path = parts[0].upper(), parts[1]
    if _FULL_URL.match(path):
        # A pasted URL (`GET https://jobs.test/api/jobs?page=2`): keep its path.
        path = urlsplit(path).path or "/"
    if method not in METHODS:
        shown = method[:16].replace("`", "'")
        raise EndpointError(
            f"`{shown}` is not an HTTP method I track. Use one of {', '.join(METHODS)}."
        )
    if not path.startswith("/"):
        raise EndpointError(
            "The path must start with `/`, like `GET /api/jobs` (without the host name)."
        )
    path = normalise_path(path)
    if len(path) > PATH_MAX:
        raise EndpointError(f"That path is longer than {PATH_MAX} characters.")
    if not _PATH_CHARS.fullmatch(path):
        raise EndpointError(
            "That path has characters a URL path can't hold (spaces, quotes or backticks)."
        )
    return Endpoint(method, path)


def parse_endpoint_filter(text: str) -> tuple[str | None, str]:
    """A list filter: `GET /api/jobs` (method and path) or just `/api/jobs` (any method)."""
    stripped = text.strip()
    if stripped.startswith("/"):
        path = normalise_path(stripped)
        if not _PATH_CHARS.fullmatch(path) or len(path) > PATH_MAX:
            raise EndpointError("That is not a path I can filter on; try `/api/jobs`.")
        return None, path
    endpoint = parse_endpoint(stripped)
    return endpoint.method, endpoint.path


def template_pattern(template: str) -> re.Pattern[str]:
    """A spec path template (`/jobs/{id}`) as a regex matching concrete paths (`/jobs/42`)."""
    pieces = _TEMPLATE_PARAM.split(template)
    return re.compile("[^/]+".join(re.escape(piece) for piece in pieces))


def has_template(path: str) -> bool:
    return _TEMPLATE_PARAM.search(path) is not None


def path_matches(template: str, path: str) -> bool:
    """Whether a logged path is the spec's path, literally or by filling its {parameters}."""
    if template == path:
        return True
    if not has_template(template):
        return False
    # Someone logging `/jobs/{jobId}` for the spec's `/jobs/{id}` means the same operation.
    if has_template(path) and _TEMPLATE_PARAM.sub("{}", template) == _TEMPLATE_PARAM.sub(
        "{}", path
    ):
        return True
    return template_pattern(template).fullmatch(path) is not None


class SpecMatcher:
    """Answers "is METHOD /path an operation of these specs?" quickly for thousands of them.

    Literal paths and templates spelled with other parameter names go in a set; the templates
    of each (method, segment count) are joined into one compiled alternation, so a concrete
    path like `/jobs/42` costs one regex match, not one per operation.
    """

    def __init__(self, operations: list[tuple[str, str]]) -> None:
        self.literal: set[tuple[str, str]] = set()
        grouped: dict[tuple[str, int], list[str]] = {}
        for method, path in operations:
            self.literal.add((method, _TEMPLATE_PARAM.sub("{}", path)))
            if has_template(path):
                key = (method, path.count("/"))
                grouped.setdefault(key, []).append(template_pattern(path).pattern)
        self.templates = {
            key: re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
            for key, patterns in grouped.items()
        }

    def __bool__(self) -> bool:
        return bool(self.literal)

    def contains(self, method: str, path: str) -> bool:
        if (method, _TEMPLATE_PARAM.sub("{}", path)) in self.literal:
            return True
        pattern = self.templates.get((method, path.count("/")))
        return pattern is not None and pattern.fullmatch(path) is not None


def find_endpoint_in_text(text: str) -> str | None:
    """The first `METHOD /path` mentioned in a message, for the message menu's prefill."""
    pattern = r"\b(" + "|".join(METHODS) + r")\s+(/[^\s`'\"<>]*)"
    match = re.search(pattern, text, re.IGNORECASE)
    if match is None:
        return None
    try:
        return str(parse_endpoint(f"{match.group(1)} {match.group(2)}"))
    except EndpointError:
        return None


_SEPARATORS = " \t-–—:·|"


def endpoint_in_title(title: str) -> tuple[Endpoint, str] | None:
    """A forum post titled `GET /api/jobs returns 500`: its endpoint, and the title without it
    (`returns 500`; the whole title when nothing else is left)."""
    pattern = r"\b(" + "|".join(METHODS) + r")\s+(/[^\s`'\"<>]*)"
    match = re.search(pattern, title, re.IGNORECASE)
    if match is None:
        return None
    try:
        endpoint = parse_endpoint(f"{match.group(1)} {match.group(2)}")
    except EndpointError:
        return None
    before = title[: match.start()].strip(_SEPARATORS)
    after = title[match.end() :].strip(_SEPARATORS)
    rest = " ".join(part for part in (before, after) if part)
    return endpoint, rest or title.strip()
