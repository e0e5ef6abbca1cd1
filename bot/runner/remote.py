"""What both remote engines (Piston, Judge0) share: the four languages Nexus offers, one capped
JSON request to the operator's server that turns every failure into a friendly RunnerUnavailable,
and cutting output at the run's limit.

The engine URL is the operator's configuration, trusted like the database URL, so requests go
through the bot's aiohttp session directly rather than the guarded fetch path meant for URLs
members type.
"""

from __future__ import annotations

import json
import logging
import re
import signal
from typing import Any

import aiohttp
import yarl

from bot.runner.records import KNOWN_LANGUAGES, LanguageStatus, RunnerUnavailable, RunRequest

log = logging.getLogger(__name__)

# Reading stops here plus a few output limits: an answer repeats output (Piston sends stdout,
# stderr and their interleaving; Judge0 base64-encodes), and JSON escaping can grow it further.
_ANSWER_SLACK_BYTES = 64 * 1024
_ANSWER_OUTPUT_FACTOR = 4
_CHUNK = 64 * 1024


def display_url(url: str) -> str:
    """The server as members may see it: no credentials, query or fragment."""
    parsed = yarl.URL(url)
    return str(parsed.with_user(None).with_password(None).with_query(None).with_fragment(None))


def version_key(version: str) -> tuple[int, ...]:
    """Sorts "3.12.0" after "3.9.4", and any release after any pre-release ("3.13.0-alpha.1"):
    members get the newest finished version, a pre-release only when nothing else is there."""
    numbers = re.match(r"\d+(?:\.\d+)*", version)
    if numbers is None:
        return ()
    released = 1 if re.fullmatch(r"\d+(?:\.\d+)*", version) else 0
    return (released, *(int(part) for part in numbers.group().split(".")))


def statuses(found: dict[str, str], label_of: dict[str, str], missing: str) -> list[LanguageStatus]:
    """Every canonical language, in order: available with the server's label, or why not.
    `missing` has a `{language}` slot for the language's label."""
    return [
        LanguageStatus(
            name=language.name,
            label=label_of.get(language.name, language.label),
            available=language.name in found,
            reason=None if language.name in found else missing.format(language=language.label),
            aliases=language.aliases,
        )
        for language in KNOWN_LANGUAGES
    ]


def ensure_runnable(
    reason: str | None, languages: list[LanguageStatus], request: RunRequest
) -> None:
    """Refuse a run the server cannot take: it is unreachable, or lacks the language."""
    if reason is not None:
        raise RunnerUnavailable(reason)
    status = next((s for s in languages if s.name == request.language), None)
    if status is None or not status.available:
        raise RunnerUnavailable(
            status.reason
            if status and status.reason
            else f"Nexus does not run {request.language!r} code."
        )


def source_of(request: RunRequest) -> str:
    """The program the server runs: SQL's fixture goes first, in the same database."""
    if request.language == "sql" and request.fixture.strip():
        return f"{request.fixture.rstrip()}\n{request.code}"
    return request.code


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def cut_output(stdout: str, stderr: str, max_bytes: int) -> tuple[str, str, bool]:
    """Cut stdout, then stderr, so together they fit `max_bytes` of UTF-8; say whether cut."""
    out = stdout.encode()
    err = stderr.encode()
    if len(out) + len(err) <= max_bytes:
        return stdout, stderr, False
    kept_out = out[:max_bytes]
    kept_err = err[: max_bytes - len(kept_out)]
    # A cut may split a character; the partial one is dropped, never shown as garbage.
    return (
        kept_out.decode(errors="ignore"),
        kept_err.decode(errors="ignore"),
        True,
    )


def answer_cap(output_bytes: int) -> int:
    return _ANSWER_OUTPUT_FACTOR * output_bytes + _ANSWER_SLACK_BYTES


class RemoteServer:
    """One engine's HTTP side: the URL, the session, the token header; nothing engine-specific."""

    def __init__(
        self,
        engine: str,
        url: str,
        session: aiohttp.ClientSession,
        auth_header: str,
        token: str | None,
    ) -> None:
        self.engine = engine
        self.base = yarl.URL(url.rstrip("/") + "/")
        self.shown = display_url(url)
        self._session = session
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers[auth_header] = token

    def down(self) -> RunnerUnavailable:
        return RunnerUnavailable(
            f"The code runner at {self.shown} did not answer; try again later."
        )

    def unreadable(self) -> RunnerUnavailable:
        return RunnerUnavailable(
            f"The code runner at {self.shown} gave an answer Nexus cannot read; try again later."
        )

    async def call(
        self,
        method: str,
        path: str,
        *,
        timeout: float,
        max_bytes: int,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        accept: tuple[int, ...] = (200,),
    ) -> tuple[int, Any]:
        """The status and decoded JSON of one request. A status outside `accept` is returned only
        when it is a 4xx with a JSON body (the engine's own refusal, for the caller to read);
        anything else — no answer, too slow, too large, 3xx, 5xx, not JSON, another 2xx — is
        RunnerUnavailable."""
        target = self.base.join(yarl.URL(path))
        if query:
            target = target.with_query(query)
        try:
            async with self._session.request(
                method,
                target,
                json=body,
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
                allow_redirects=False,
            ) as response:
                raw = await _read_capped(response, max_bytes)
                status = response.status
        except TooLarge:
            log.warning(
                "%s at %s answered %s with more than %d bytes",
                self.engine,
                self.shown,
                path,
                max_bytes,
            )
            raise self.unreadable() from None
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            # The exception's text may carry request details; its class is enough to act on.
            log.warning(
                "%s at %s did not answer %s %s: %s",
                self.engine,
                self.shown,
                method,
                path,
                type(error).__name__,
            )
            raise self.down() from None
        if status in (401, 403):
            log.warning("%s at %s refused the token (%d)", self.engine, self.shown, status)
            raise RunnerUnavailable(
                f"The code runner at {self.shown} refused Nexus's credentials; "
                "an admin needs to check runner.token."
            )
        if status >= 500 or (status not in accept and not 200 <= status < 500):
            log.warning("%s at %s answered %s with HTTP %d", self.engine, self.shown, path, status)
            raise self.down()
        try:
            decoded = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            log.warning(
                "%s at %s answered %s with something not JSON", self.engine, self.shown, path
            )
            raise self.unreadable() from None
        if 200 <= status < 300 and status not in accept:
            log.warning("%s at %s answered %s with HTTP %d", self.engine, self.shown, path, status)
            raise self.unreadable()
        return status, decoded

    def refused(self, reason: str) -> RunnerUnavailable:
        return RunnerUnavailable(f"The code runner at {self.shown} refused the run: {reason}")


class TooLarge(Exception):
    """An answer longer than the cap: never buffered whole."""


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    if response.content_length is not None and response.content_length > max_bytes:
        raise TooLarge
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise TooLarge
    return bytes(body)
