"""The registered OpenAPI specs over HTTP: the list, one spec, its operations a page at a time;
for triagers (as /feedback api add, refresh and remove), registering, refreshing and removing
one through the same registry and fetch flow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from bot.web.conditional import conditional
from bot.web.fields import GuildIdPath
from bot.web.pagination import Page, id_cursor, link_header, next_link
from bot.web.problems import responses
from cogs.feedback.api_access import (
    CallerOfGuild,
    SpecNamePath,
    TriagerOfGuild,
    feature_of,
)
from cogs.feedback.api_models import OperationOut, SpecIn, SpecOut, operation_out, spec_out

router = APIRouter(prefix="/guilds/{guild_id}/feedback/specs", tags=["feedback specs"])


@router.get(
    "",
    response_model=Page[SpecOut],
    summary="The API specs registered here, by name (a server keeps a handful: one page)",
    responses=responses(304),
)
async def list_specs(request: Request, guild_id: GuildIdPath, caller: CallerOfGuild) -> Response:
    specs = await feature_of(request).parts.specs.list_specs(caller.guild_id)
    body = Page[SpecOut](items=[spec_out(spec) for spec in specs], next=None)
    return conditional(request, body.model_dump_json().encode(), "application/json")


@router.get(
    "/{name}",
    response_model=SpecOut,
    summary="One registered spec",
    responses=responses(304, 400, 404),
)
async def get_spec(
    request: Request, guild_id: GuildIdPath, name: SpecNamePath, caller: CallerOfGuild
) -> Response:
    spec = await feature_of(request).parts.specs.get_spec(caller.guild_id, name)
    return conditional(request, spec_out(spec).model_dump_json().encode(), "application/json")


@router.get(
    "/{name}/endpoints",
    response_model=Page[OperationOut],
    summary="A spec's operations, in the document's order",
    responses=responses(304, 400, 404),
)
async def list_spec_endpoints(
    request: Request,
    guild_id: GuildIdPath,
    name: SpecNamePath,
    caller: CallerOfGuild,
    cursor: Annotated[str | None, Query(max_length=200, description="from `next`")] = None,
) -> Response:
    parts = feature_of(request).parts
    spec = await parts.specs.get_spec(caller.guild_id, name)
    page = await parts.operations.page(spec.id, id_cursor(cursor))
    link = next_link(request, page.next_cursor)
    body = Page[OperationOut](items=[operation_out(op) for op in page.items], next=link)
    return conditional(
        request, body.model_dump_json().encode(), "application/json", link_header(link)
    )


@router.post(
    "",
    status_code=201,
    response_model=SpecOut,
    summary="Triagers: register an OpenAPI spec by URL; its endpoints feed suggestions",
    responses=responses(400, 422),
)
async def add_spec(
    request: Request,
    response: Response,
    guild_id: GuildIdPath,
    body: SpecIn,
    caller: TriagerOfGuild,
) -> SpecOut:
    feature = feature_of(request)
    # The name is checked before anything is downloaded, as in Discord.
    name = await feature.parts.specs.ensure_spec_name_free(caller.guild_id, body.name)
    spec = await feature.spec_flow.add(caller.guild_id, name, body.spec_url, caller.user_id)
    response.headers["Location"] = f"{request.url.path}/{spec.name}"
    return spec_out(spec)


@router.post(
    "/{name}/refresh",
    response_model=SpecOut,
    summary="Triagers: fetch a registered spec again",
    responses=responses(400, 404, 422),
)
async def refresh_spec(
    request: Request, guild_id: GuildIdPath, name: SpecNamePath, caller: TriagerOfGuild
) -> SpecOut:
    feature = feature_of(request)
    spec = await feature.parts.specs.get_spec(caller.guild_id, name)
    fresh, _ = await feature.spec_flow.refresh(caller.guild_id, spec, caller.user_id)
    return spec_out(fresh)


@router.delete(
    "/{name}",
    status_code=204,
    response_class=Response,
    summary="Triagers: forget a registered spec (logged items keep their endpoints)",
    responses=responses(400, 404, 422),
)
async def remove_spec(
    request: Request, guild_id: GuildIdPath, name: SpecNamePath, caller: TriagerOfGuild
) -> Response:
    await feature_of(request).parts.specs.remove_spec(caller.guild_id, name, caller.user_id)
    return Response(status_code=204)
