"""Errors raised by the sandbox: to tests (SandboxError) and to the bot over HTTP (ApiError)."""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    """A test asked for something impossible (unknown command, missing option, no reply…)."""


class ApiError(Exception):
    """An HTTP error answered to the bot in Discord's JSON error shape."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


class FormErrors:
    """Collects errors at nested paths and renders Discord's ``errors`` tree."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def __bool__(self) -> bool:
        return bool(self.tree)

    def body(self) -> dict[str, Any]:
        return {"code": 50035, "message": "Invalid Form Body", "errors": self.tree}


def unknown(what: str, code: int) -> ApiError:
    """Discord's 404s: ``Unknown Channel`` (10003), ``Unknown Message`` (10008)…"""
    return ApiError(404, code, f"Unknown {what}")


MISSING_PERMISSIONS = 50013
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
UNKNOWN_COMMAND = 10063
ALREADY_ACKNOWLEDGED = 40060


def missing_permissions() -> ApiError:
    return ApiError(403, MISSING_PERMISSIONS, "Missing Permissions")


def invalid_form(*path: str, code: str, message: str) -> ApiError:
    """Discord's 400 "Invalid Form Body" (50035) with one error at ``path``."""
    tree: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        tree = {key: tree}
    return ApiError(400, 50035, "Invalid Form Body", tree)
