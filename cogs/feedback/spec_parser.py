"""OpenAPI 3 and Swagger 2 documents: fetching them through the guard and reading their operations.

The fetch goes through `bot/fetch.py` (public addresses only, the size cap, the timeout); the
parser accepts JSON or YAML and keeps only what autocomplete and "not in spec" need: each
operation's method, path and summary. A document is read without recursion deeper than
`MAX_NESTING`, so no nesting, however deep, can overflow the stack.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.errors import UserFacingError
from bot.fetch import Fetcher
from cogs.feedback.endpoints import METHODS, normalise_path

MAX_OPERATIONS = 5000
SUMMARY_MAX = 200
URL_MAX = 500
# Real OpenAPI documents nest a few dozen levels (paths → operation → responses → schema …);
# json and yaml parse recursively and overflow past roughly a thousand.
MAX_NESTING = 100
# Pairs that YAML merge keys may copy in one document (a real one merges a few hundred).
MAX_MERGED_PAIRS = 100_000
SPEC_ACCEPT = "application/json, application/yaml, text/yaml, */*"


class SpecError(UserFacingError):
    """The spec URL or the document behind it can't be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    summary: str | None


@dataclass(frozen=True, slots=True)
class ParsedSpec:
    spec_format: str  # "OpenAPI 3.0.3" or "Swagger 2.0"
    title: str | None
    version: str | None
    operations: tuple[Operation, ...]


def check_spec_url(url: str) -> str:
    """Only absolute http(s) URLs with a host; the error names what is wrong."""
    url = url.strip()
    if len(url) > URL_MAX:
        raise SpecError(f"That URL is longer than {URL_MAX} characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise SpecError("The spec URL must start with `http://` or `https://`.")
    if not parts.hostname:
        raise SpecError("That URL has no host name; give the full address of the document.")
    return url


async def fetch_spec_bytes(
    fetcher: Fetcher, url: str, *, timeout_seconds: float, max_bytes: int
) -> bytes:
    """GET the document through the guarded fetcher (its errors are worded for the user)."""
    url = check_spec_url(url)
    fetched = await fetcher.fetch(
        url, max_bytes=max_bytes, timeout_seconds=timeout_seconds, accept=SPEC_ACCEPT
    )
    return fetched.body


def load_document(body: bytes) -> dict[str, Any]:
    """JSON or YAML (YAML is a superset of JSON, but JSON first is faster and stricter)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecError("That document is not UTF-8 text, so it can't be OpenAPI.") from None
    data: Any
    try:
        data = _load_json(text)
    except ValueError:
        # PyYAML is imported with the first YAML document, not when the bot starts.
        from cogs.feedback import spec_yaml

        try:
            data = spec_yaml.load_bounded(
                text, max_nesting=MAX_NESTING, max_merged_pairs=MAX_MERGED_PAIRS
            )
        except spec_yaml.NestingTooDeep:
            raise _too_deep() from None
        except spec_yaml.TooManyMergedPairs:
            raise SpecError(
                "That document's YAML merge keys (<<) expand to more than "
                f"{MAX_MERGED_PAIRS:,} entries."
            ) from None
        except spec_yaml.YAMLError:
            raise SpecError("That document is neither JSON nor YAML.") from None
        except ValueError:
            # Well-formed YAML whose value Python can't build: a date like 2024-13-45, or an
            # integer past Python's 4,300-digit conversion limit.
            raise SpecError(
                "That document holds a value I can't read (an impossible date, or a number "
                "thousands of digits long)."
            ) from None
        except RecursionError:
            # Merge keys (<<) are expanded recursively, along a chain of aliases the composer's
            # bound does not see; a chain that long is refused like deep nesting.
            raise _too_deep() from None
    if not isinstance(data, dict):
        raise SpecError("That is not an OpenAPI document: its top level is not an object.")
    return data


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


def _load_json(text: str) -> Any:
    """json.loads, after checking without recursion that it nests at most MAX_NESTING deep."""
    if text.lstrip()[:1] in ("{", "["):
        brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
        depth = 0
        for bracket in brackets:
            depth += 1 if bracket in "[{" else -1
            if depth > MAX_NESTING:
                raise _too_deep()
    try:
        return json.loads(text)
    except RecursionError:
        raise _too_deep() from None


def _too_deep() -> SpecError:
    return SpecError(
        f"That document nests more than {MAX_NESTING} levels deep; no OpenAPI document does."
    )


def parse_spec(body: bytes) -> ParsedSpec:
    data = load_document(body)
    spec_format, base_path = _format_and_base(data)
    paths = data.get("paths")
    if not isinstance(paths, dict):
        raise SpecError("That OpenAPI document has no `paths` object.")
    raw_info = data.get("info")
    info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
    operations: list[Operation] = []
    seen: set[tuple[str, str]] = set()
    for raw_path, item in paths.items():
        if not isinstance(raw_path, str) or not raw_path.startswith("/"):
            continue
        if not isinstance(item, dict):
            continue
        path = normalise_path(base_path + raw_path)
        for key, operation in item.items():
            method = str(key).upper()
            if method not in METHODS or (method, path) in seen:
                continue
            seen.add((method, path))
            operations.append(Operation(method, path[:300], _summary(operation)))
            if len(operations) > MAX_OPERATIONS:
                raise SpecError(f"That document has more than {MAX_OPERATIONS} operations.")
    if not operations:
        raise SpecError("That OpenAPI document lists no operations under `paths`.")
    return ParsedSpec(
        spec_format=spec_format,
        title=_short(info.get("title")),
        version=_short(info.get("version"), 64),
        operations=tuple(operations),
    )


def _format_and_base(data: dict[str, Any]) -> tuple[str, str]:
    """The document's kind ("OpenAPI 3.1.0") and the path prefix its operations live under."""
    openapi = data.get("openapi")
    swagger = data.get("swagger")
    if isinstance(openapi, str) and openapi.startswith("3."):
        return f"OpenAPI {openapi[:16]}", _servers_base_path(data.get("servers"))
    if swagger in ("2.0", 2.0):
        base = data.get("basePath")
        return "Swagger 2.0", _clean_base(base) if isinstance(base, str) else ""
    raise SpecError(
        "That is not an OpenAPI 3 or Swagger 2 document (no `openapi: 3.x` or `swagger: 2.0`)."
    )


def _servers_base_path(servers: object) -> str:
    # Operations are relative to the first server's URL; its path (e.g. "/api") is what
    # learners see in front of every operation. Templated server URLs are left alone.
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return ""
    url = servers[0].get("url")
    if not isinstance(url, str) or "{" in url:
        return ""
    return _clean_base(urlsplit(url).path)


def _clean_base(base: str) -> str:
    base = base.strip()
    if not base.startswith("/"):
        return ""
    return base.rstrip("/")


def _summary(operation: object) -> str | None:
    if not isinstance(operation, dict):
        return None
    for key in ("summary", "description", "operationId"):
        value = operation.get(key)
        if isinstance(value, str) and value.strip():
            return _short(value.strip().splitlines()[0])
    return None


def _short(value: object, limit: int = SUMMARY_MAX) -> str | None:
    # Scalars only: str() of a collection recurses through it, and YAML aliases can make a
    # small document stand for an enormous one.
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None
