"""The admin feature's errors."""

from __future__ import annotations

from bot.errors import UserFacingError


class AdminError(UserFacingError):
    """A moderator asked for something the admin feature cannot do; the message says why."""


class NothingToForget(AdminError):
    def __init__(self) -> None:
        super().__init__(
            "Nexus holds no personal data about that member in this server, so there was "
            "nothing to forget. Nothing was changed."
        )
