"""Reusable views: the cursor paginator, confirmation buttons and modal helpers.

Every feature's views inherit :class:`DelegatingErrorsView` (or one of the views here) so that
errors in button callbacks reach the bot's one error handler.
"""

from __future__ import annotations

from bot.ui.base import (
    ALREADY_ANSWERED,
    DelegatingErrorsView,
    OwnerOnlyView,
    report_error,
    send_with_view,
)
from bot.ui.confirm import TIMED_OUT, ConfirmView, confirm
from bot.ui.modals import NexusModal, text_input
from bot.ui.paginator import Cursor, Page, PageFetcher, PageRenderer, Paginator, send_paginated

__all__ = [
    "ALREADY_ANSWERED",
    "TIMED_OUT",
    "ConfirmView",
    "Cursor",
    "DelegatingErrorsView",
    "NexusModal",
    "OwnerOnlyView",
    "Page",
    "PageFetcher",
    "PageRenderer",
    "Paginator",
    "confirm",
    "report_error",
    "send_paginated",
    "send_with_view",
    "text_input",
]
