"""Feedback's rules: severities, the statuses and the moves between them, the limits on what
members type, and the checks that refuse it with a sentence saying why. No database here."""

from __future__ import annotations

import re
from typing import Final

from bot.errors import UserFacingError

SEVERITIES: Final = ("blocker", "bug", "suggestion", "question")
ACTIVE_STATUSES: Final = ("open", "acknowledged", "in_progress")
CLOSED_STATUSES: Final = ("resolved", "wont_fix", "duplicate", "withdrawn")
STATUSES: Final = ACTIVE_STATUSES + CLOSED_STATUSES
# What a triager may move an item to from each status. Closed items only reopen; withdrawing
# is the reporter's own move (see `withdraw`), so no triager transition leads to it.
TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "open": ("acknowledged", "in_progress", "resolved", "wont_fix", "duplicate"),
    "acknowledged": ("in_progress", "resolved", "wont_fix", "duplicate"),
    "in_progress": ("acknowledged", "resolved", "wont_fix", "duplicate"),
    "resolved": ("open",),
    "wont_fix": ("open",),
    "duplicate": ("open",),
    "withdrawn": ("open",),
}
STATUS_LABELS: Final = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "in_progress": "In progress",
    "resolved": "Resolved",
    "wont_fix": "Won't fix",
    "duplicate": "Duplicate",
    "withdrawn": "Withdrawn",
}
TITLE_MIN, TITLE_MAX = 3, 100
DETAILS_MAX = 2000
BEHAVIOUR_MAX = 1000
NOTE_MAX = 500
SPEC_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")
AUTOCOMPLETE_LIMIT = 25
# `FB-12`, `fb 12`, `#12`, `12`, matched after strip(). No two optional spaces sit side by side:
# `\s*(?:fb)?\s*[-#]?\s*` matches a run of spaces in cubic time.
_ID_TEXT = re.compile(r"(?:fb\s*)?(?:[-#]\s*)?(\d{1,9})", re.IGNORECASE)
ID_TEXT_MAX = 32  # far longer than any id, with room for spaces


class FeedbackError(UserFacingError):
    """Anything the user asked that the feedback rules refuse; the message says why."""


class ItemClosedMeanwhile(FeedbackError):
    """The item a member chose on the duplicate prompt was closed after the prompt was shown.

    Typed, so the Discord side can word it with what the prompt still offers.
    """

    def __init__(self, number: int, status: str) -> None:
        super().__init__(f"FB-{number} was closed ({STATUS_LABELS[status]}) in the meantime.")
        self.number = number
        self.status = status


class ItemMovedMeanwhile(FeedbackError):
    """A move chosen from a page that showed the item in another status: someone moved it in
    the meantime, so the move the page offered may no longer be what the triager meant."""

    http_status = 409

    def __init__(self, number: int, status: str) -> None:
        super().__init__(
            f"FB-{number} was moved to {STATUS_LABELS[status]} in the meantime; "
            "nothing was changed. Here it is as it is now."
        )
        self.number = number
        self.status = status


def item_number_match(text: str) -> re.Match[str] | None:
    cleaned = text.strip()
    return _ID_TEXT.fullmatch(cleaned) if len(cleaned) <= ID_TEXT_MAX else None


def parse_item_number(text: str) -> int:
    """`FB-12`, `fb12`, `#12` or `12` → 12."""
    match = item_number_match(text)
    if match is None or int(match.group(1)) < 1:
        shown = text.strip()[:20].replace("`", "'")
        raise FeedbackError(f"`{shown}` is not a feedback id; they look like `FB-12`.")
    return int(match.group(1))


def clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not TITLE_MIN <= len(cleaned) <= TITLE_MAX:
        raise FeedbackError(f"Give a title of {TITLE_MIN} to {TITLE_MAX} characters.")
    return cleaned


def clean_text(text: str | None, label: str, limit: int, *, required: bool) -> str | None:
    cleaned = (text or "").strip()
    if not cleaned:
        if required:
            raise FeedbackError(f"The {label} can't be empty.")
        return None
    if len(cleaned) > limit:
        raise FeedbackError(f"The {label} is {len(cleaned)} characters; keep it under {limit}.")
    return cleaned


def check_severity(severity: str) -> str:
    value = severity.strip().lower()
    if value not in SEVERITIES:
        raise FeedbackError(f"Severity is one of: {', '.join(SEVERITIES)}.")
    return value


def check_status(status: str) -> str:
    value = status.strip().lower().replace(" ", "_").replace("'", "")
    if value not in STATUSES:
        raise FeedbackError(f"Status is one of: {', '.join(STATUSES)}.")
    return value


def check_spec_name(name: str) -> str:
    value = name.strip().lower()
    if not SPEC_NAME.fullmatch(value):
        raise FeedbackError(
            "A spec name is 1 to 32 lowercase letters, digits, `-`, `_` or `.` (like `jobs-api`)."
        )
    return value
