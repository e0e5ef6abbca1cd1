"""The feature's web side, imported only when the web server is built, after ready
(bot/after_ready.py): loading the feature imports neither FastAPI nor the templates."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import APIRouter


def api_router() -> APIRouter:
    from cogs.feedback.api import router

    return router


def page_router() -> APIRouter:
    from cogs.feedback.pages import router

    return router


def page_links(guild_id: int) -> list[tuple[str, str]]:
    from cogs.feedback.board_view import board_path

    return [("Feedback", board_path(guild_id))]
