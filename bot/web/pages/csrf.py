"""CSRF tokens for the pages' forms: signed, bound to the signed-in member, timed.

A form carries a token that only Nexus can make (an HMAC under a key derived from the sign-in
key) for exactly the member and server of the session that posts it, so a page on another site
can neither read one (same-origin policy) nor forge one, and one member's token is worthless in
another's session. Binding to the member rather than to one access token keeps a form valid
across the access token's refreshes; the token still expires, so a leaked one does not last.
No state is kept: any Nexus process holding the same key checks any token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from bot.clock import Clock

CSRF_FIELD: Final = "csrf_token"
CSRF_LIFETIME: Final = timedelta(hours=12)
REFUSED: Final = (
    "This form expired or did not come from this Nexus page; reload the page and try again."
)


class CsrfTokens:
    def __init__(self, secret: bytes, clock: Clock) -> None:
        # A key of its own, so a CSRF token can never pass for anything else signed by Nexus.
        self._key = hmac.new(secret, b"nexus page forms (csrf)", hashlib.sha256).digest()
        self._clock = clock

    def issue(self, guild_id: int, user_id: int) -> str:
        issued = int(self._clock.now().timestamp())
        return f"{issued}.{self._signature(guild_id, user_id, issued)}"

    def valid(self, token: str | None, guild_id: int, user_id: int) -> bool:
        """Whether `token` was issued by Nexus for this member and server, and is not expired."""
        if not token:
            return False
        issued_text, _, signature = token.partition(".")
        if not issued_text.isdigit() or len(issued_text) > 12:
            return False
        issued = int(issued_text)
        expected = self._signature(guild_id, user_id, issued)
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return False
        age = self._clock.now().timestamp() - issued
        return 0 <= age <= CSRF_LIFETIME.total_seconds()

    def _signature(self, guild_id: int, user_id: int, issued: int) -> str:
        message = f"{guild_id}:{user_id}:{issued}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
