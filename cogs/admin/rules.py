"""The admin feature's errors and the limit it puts on the features it asks."""

from __future__ import annotations

from bot.errors import UserFacingError

# A feature's hook that hangs must not hang /admin forget or /admin stats with it.
FEATURE_TIMEOUT_SECONDS = 30.0


class AdminError(UserFacingError):
    """A moderator asked for something the admin feature cannot do; the message says why."""


class NothingToForget(AdminError):
    def __init__(self) -> None:
        super().__init__(
            "Nexus holds no personal data about that member in this server, so there was "
            "nothing to forget. Nothing was changed."
        )
