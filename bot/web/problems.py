"""Errors as RFC 9457 `application/problem+json`, with the wording members see in Discord.

A `UserFacingError` is the caller's mistake and its message is the detail, as the Discord
error handler shows it; its kind names the status (`http_status`: NotFoundError 404,
NotAllowedError 403, TooSoonError 429 with Retry-After). Anything else is a bug: the caller
gets an error id, the log the traceback.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from bot.errors import UserFacingError, new_error_id

if TYPE_CHECKING:
    from fastapi import FastAPI, Request

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
NOT_MODIFIED = 304


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field("about:blank", description="a URI naming the kind of problem")
    title: str = Field(description="the HTTP status, in words")
    status: int
    detail: str = Field(description="what went wrong, in the words Discord would use")
    errors: list[dict[str, Any]] | None = Field(
        None, description="for 422: each invalid parameter and why"
    )


class ApiProblem(Exception):
    """Raised by the web side itself (authentication, rate limits, scopes)."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def problem(
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail, errors=errors)
    return JSONResponse(
        body.model_dump(exclude_none=True), status, headers=headers, media_type=MEDIA_TYPE
    )


async def _api_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiProblem)
    return problem(error.status, error.detail, error.headers)


async def _user_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, UserFacingError)
    return problem(error.http_status, error.message, error.http_headers)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return problem(error.status_code, str(error.detail), dict(error.headers or {}))


async def _invalid(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"location": ".".join(str(part) for part in item["loc"]), "message": item["msg"]}
        for item in error.errors()
    ]
    return problem(422, "Some parameters are not valid; see errors.", errors=errors)


async def _bug(request: Request, error: Exception) -> JSONResponse:
    error_id = new_error_id()
    log.error("API error %s on %s %s", error_id, request.method, request.url.path, exc_info=error)
    return problem(500, f"Something went wrong on Nexus's side (error id {error_id}).")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(UserFacingError, _user_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(Exception, _bug)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem responses a route documents (the schema is placed under problem+json by
    `bot.web.openapi`)."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        if status == NOT_MODIFIED:
            documented[status] = {
                "description": "Not Modified: the `If-None-Match` ETag is current"
            }
        else:
            documented[status] = {"model": Problem, "description": HTTPStatus(status).phrase}
    return documented
