"""The announcements' HTTP routes, reads and writes, as the one router the cog offers."""

from __future__ import annotations

from fastapi import APIRouter

from cogs.announcements import api_reads, api_writes

router = APIRouter()
router.include_router(api_reads.router)
router.include_router(api_writes.router)
