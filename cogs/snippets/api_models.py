"""The snippets API's shapes (what goes out and comes in) and how a route finds the feature."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Protocol, cast

from fastapi import Path, Request
from pydantic import BaseModel, Field

from bot.web.auth import loaded_feature, member_of_guild
from bot.web.fields import ID_PATTERN, UtcTime
from cogs.snippets.rules import FEATURE

if TYPE_CHECKING:
    from cogs.snippets.flows import SnippetFlows
    from cogs.snippets.parts import SnippetParts
    from cogs.snippets.records import SnippetRecord, SnippetSummary

caller_of_guild = member_of_guild(FEATURE)
SnippetIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="the snippet's number")]


class SnippetsFeature(Protocol):
    parts: SnippetParts
    flows: SnippetFlows


class SnippetOut(BaseModel):
    id: str
    title: str
    description: str | None
    language: str
    tags: list[str]
    author_id: str | None = Field(description="null once the author was forgotten")
    star_count: int
    code: str
    created_at: UtcTime
    updated_at: UtcTime | None


class SnippetSummaryOut(BaseModel):
    id: str
    title: str
    language: str
    author_id: str | None
    star_count: int
    preview: str = Field(description="the start of the code")
    created_at: UtcTime


def parts_of(request: Request) -> SnippetParts:
    return feature_of(request).parts


def flows_of(request: Request) -> SnippetFlows:
    return feature_of(request).flows


def feature_of(request: Request) -> SnippetsFeature:
    return cast("SnippetsFeature", loaded_feature(request, FEATURE))


def summary_out(item: SnippetSummary) -> SnippetSummaryOut:
    author = None if item.author_id is None else str(item.author_id)
    return SnippetSummaryOut(
        id=str(item.id),
        title=item.title,
        language=item.language,
        author_id=author,
        star_count=item.star_count,
        preview=item.preview,
        created_at=item.created_at,
    )


def snippet_out(record: SnippetRecord) -> SnippetOut:
    author = None if record.author_id is None else str(record.author_id)
    return SnippetOut(
        id=str(record.id),
        title=record.title,
        description=record.description,
        language=record.language,
        tags=list(record.tags),
        author_id=author,
        star_count=record.star_count,
        code=record.code,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


class SnippetIn(BaseModel):
    """A new snippet: the fields of `/snippet share`, checked by the same rules (the limits
    below are the same, and a refusal has the same wording)."""

    title: str = Field(description="up to 100 characters")
    code: str = Field(description="the code; at most the server's file size limit")
    language: str | None = Field(None, description="detected from the code when absent")
    tags: list[str] = Field(default_factory=list, description="up to 5, each up to 30 letters")
    description: str | None = Field(None, description="up to 1,000 characters")


class SnippetPatch(BaseModel):
    """The fields to change; those left out keep their value (`/snippet edit`)."""

    title: str | None = None
    code: str | None = None
    language: str | None = None
    tags: list[str] | None = None
    description: str | None = None


class StarOut(BaseModel):
    starred: bool
    star_count: int
