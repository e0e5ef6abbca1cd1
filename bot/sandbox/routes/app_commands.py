"""Application commands: the bot's syncs, global or per guild, validated like Discord."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.command_validation import validate_command, validate_command_list
from bot.sandbox.errors import (
    UNKNOWN_COMMAND,
    ApiError,
    FormErrors,
)
from bot.sandbox.messages import read_body
from bot.sandbox.routes.lookups import ResourceRoutes
from bot.sandbox.routes.responses import json_response, no_content, snowflake_param

JSON = dict[str, Any]


class CommandRoutes(ResourceRoutes):
    """``/applications/{app_id}[/guilds/{guild_id}]/commands``."""

    def routes(self) -> list[tuple[str, str, Any]]:
        commands = "/applications/{app_id}/commands"
        guild_commands = "/applications/{app_id}/guilds/{guild_id}/commands"
        return [
            ("GET", commands, self.get_commands),
            ("PUT", commands, self.put_commands),
            ("POST", commands, self.post_command),
            ("GET", commands + "/{command_id}", self.get_command),
            ("PATCH", commands + "/{command_id}", self.patch_command),
            ("DELETE", commands + "/{command_id}", self.delete_command),
            ("GET", guild_commands, self.get_commands),
            ("PUT", guild_commands, self.put_commands),
            ("POST", guild_commands, self.post_command),
            ("GET", guild_commands + "/{command_id}", self.get_command),
            ("PATCH", guild_commands + "/{command_id}", self.patch_command),
            ("DELETE", guild_commands + "/{command_id}", self.delete_command),
        ]

    def _command_scope(self, request: web.Request) -> int | None:
        if snowflake_param(request, "app_id") != self.state.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" in request.match_info:
            return self.guild(request).id
        return None

    def _command_object(self, body: JSON, guild_id: int | None) -> JSON:
        kind = int(body.get("type", 1))
        command: JSON = {
            "id": str(self.state.command_id(guild_id, kind, str(body.get("name")))),
            "application_id": str(self.state.application_id),
            "version": str(self.state.snowflakes.next()),
            "type": kind,
            "name": body.get("name"),
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description", ""),
            "description_localizations": body.get("description_localizations"),
            "default_member_permissions": body.get("default_member_permissions"),
            "dm_permission": body.get("dm_permission", True),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
            "nsfw": bool(body.get("nsfw", False)),
        }
        if body.get("options"):
            command["options"] = body["options"]
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        return command

    def _store_commands(self, guild_id: int | None, commands: list[JSON]) -> None:
        if guild_id is None:
            self.state.global_commands = commands
        else:
            self.state.guild_commands[guild_id] = commands
        self.ctx.note_sync(guild_id)

    async def get_commands(self, request: web.Request) -> web.Response:
        return json_response(self.state.commands_for(self._command_scope(request)))

    async def put_commands(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        body, _ = await read_body(request)
        commands = body.get("__list__", body)
        errors = validate_command_list(commands)
        if errors:
            raise ApiError(400, 50035, "Invalid Form Body", errors.tree)
        stored = [self._command_object(c, guild_id) for c in commands]
        self._store_commands(guild_id, stored)
        return json_response(stored)

    async def post_command(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        body, _ = await read_body(request)
        errors = FormErrors()
        validate_command(body, errors, ())
        if errors:
            raise ApiError(400, 50035, "Invalid Form Body", errors.tree)
        command = self._command_object(body, guild_id)
        kept = [c for c in self.state.commands_for(guild_id) if c["id"] != command["id"]]
        self._store_commands(guild_id, [*kept, command])
        return json_response(
            command, 201 if len(kept) == len(self.state.commands_for(guild_id)) - 1 else 200
        )

    def _find_command(self, request: web.Request, guild_id: int | None) -> JSON:
        wanted = request.match_info["command_id"]
        for command in self.state.commands_for(guild_id):
            if command["id"] == wanted:
                return command
        raise ApiError(404, UNKNOWN_COMMAND, "Unknown application command")

    async def get_command(self, request: web.Request) -> web.Response:
        return json_response(self._find_command(request, self._command_scope(request)))

    async def patch_command(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        current = self._find_command(request, guild_id)
        body, _ = await read_body(request)
        merged = {**current, **body}
        errors = FormErrors()
        validate_command(merged, errors, ())
        if errors:
            raise ApiError(400, 50035, "Invalid Form Body", errors.tree)
        merged["version"] = str(self.state.snowflakes.next())
        commands = [merged if c is current else c for c in self.state.commands_for(guild_id)]
        self._store_commands(guild_id, commands)
        return json_response(merged)

    async def delete_command(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        current = self._find_command(request, guild_id)
        commands = [c for c in self.state.commands_for(guild_id) if c is not current]
        self._store_commands(guild_id, commands)
        return no_content()
