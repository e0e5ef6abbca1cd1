"""Feedback's HTTP API under /guilds/{guild_id}/feedback: the specs, the export, the items and
what members and triagers do to them. The order matters: `/specs` and `/export` are matched
before `/{item_id}` would take them for an item."""

from __future__ import annotations

from fastapi import APIRouter

from bot.web.problems import responses
from cogs.feedback import api_reads, api_specs, api_writes

router = APIRouter(responses=responses(400, 401, 403, 422, 429, 503))
router.include_router(api_specs.router)
router.include_router(api_reads.router)
router.include_router(api_writes.router)
