"""/healthz (alive), /readyz (ready to serve) and /metrics (Prometheus).

They serve what they are given (a readiness check and the metrics), never the bot itself.
Left out of the API's OpenAPI document: they are for the machine running Nexus, not its users.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bot.metrics import Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readiness:
    """What /readyz asks: is the gateway connected, and does the database answer a ping."""

    gateway_ready: Callable[[], bool]
    ping_database: Callable[[], Awaitable[float]]


def health_routes(readiness: Readiness, metrics: Metrics) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = {"gateway": readiness.gateway_ready(), "database": False}
        try:
            await readiness.ping_database()
            checks["database"] = True
        except Exception:  # any failure means "not ready"; the reason is logged, not shown
            log.warning("readiness: database ping failed", exc_info=True)
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    @router.get("/metrics")
    async def metrics_text(request: Request) -> Response:
        return Response(metrics.render(), headers={"Content-Type": metrics.content_type})

    return router
