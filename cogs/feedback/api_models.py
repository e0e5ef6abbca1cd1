"""Feedback's HTTP shapes: items, their history, reports coming in, triage moves, specs; and the
functions turning the feature's records into them. Limits are the slash commands' options."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from bot.web.fields import ID_PATTERN, UtcTime
from bot.web.problems import Problem
from cogs.feedback.choices import Severity, Status, TriageStatus
from cogs.feedback.render import jump_url
from cogs.feedback.rules import BEHAVIOUR_MAX, DETAILS_MAX, NOTE_MAX, TITLE_MAX

if TYPE_CHECKING:
    from cogs.feedback.duplicates import DuplicateCandidate
    from cogs.feedback.outcomes import Outcome
    from cogs.feedback.records import ItemHistoryEntry, ItemRecord, SpecRecord
    from cogs.feedback.spec_operations import OperationRecord

ITEM_ID_PATTERN = r"^(?:[Ff][Bb]-?)?[0-9]{1,9}$"
ENDPOINT_MAX = 220


class ItemOut(BaseModel):
    id: str = Field(description="the item's number in this server", examples=["12"])
    ref: str = Field(description="how Discord shows it", examples=["FB-12"])
    endpoint: str = Field(examples=["GET /api/jobs"])
    method: str
    path: str
    in_spec: bool | None = Field(
        description="whether a registered spec has the endpoint; null when none is registered"
    )
    severity: Severity
    title: str
    details: str
    expected: str | None
    actual: str | None
    status: Status
    duplicate_of: str | None = Field(description="with status duplicate: the original's id")
    reporter_id: str | None = Field(description="null once the reporter was forgotten")
    assignee_id: str | None
    plus_ones: int
    discord_url: str | None = Field(description="its post in the feedback channel")
    thread_id: str | None = Field(description="its discussion thread")
    created_at: UtcTime
    updated_at: UtcTime


class HistoryEntryOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: str
    at: UtcTime
    actor_id: str | None = Field(description="null: Nexus itself, or a forgotten member")
    action: str = Field(
        description="created, status, reopened, assigned, plus_one, details_added, "
        "duplicate_linked, withdrawn or reposted"
    )
    from_value: str | None = Field(alias="from")
    to_value: str | None = Field(alias="to")
    note: str | None


class ItemDetailOut(ItemOut):
    history: list[HistoryEntryOut] = Field(description="oldest first, as /feedback show lists it")


class ItemWritten(ItemOut):
    notes: list[str] = Field(
        description="what happened on Discord's side worth knowing: what it refused, what "
        "was posted again"
    )


class VoteOut(ItemWritten):
    counted: bool = Field(
        description="false when your +1 was already counted, or the item is your own report"
    )


class DuplicateOut(BaseModel):
    id: str
    ref: str
    endpoint: str
    title: str


class DuplicatesProblem(Problem):
    duplicates: list[DuplicateOut] = Field(description="the open items it may duplicate")


class ReportIn(BaseModel):
    """A report, with the limits of /feedback log and its form."""

    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(
        min_length=1,
        max_length=ENDPOINT_MAX,
        description="method and path",
        examples=["GET /api/jobs"],
    )
    severity: Severity
    title: str = Field(min_length=1, max_length=TITLE_MAX, description="one line")
    details: str = Field(
        min_length=1, max_length=DETAILS_MAX, description="what you did and what happened"
    )
    expected: str | None = Field(None, min_length=1, max_length=BEHAVIOUR_MAX)
    actual: str | None = Field(None, min_length=1, max_length=BEHAVIOUR_MAX)


class NewReportIn(ReportIn):
    create_anyway: bool = Field(
        False,
        description="log it even when it looks already reported (otherwise that answers 409 "
        "with the likely duplicates)",
    )


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TriageStatus
    note: str | None = Field(
        None, min_length=1, max_length=NOTE_MAX, description="shown to the reporter in the thread"
    )
    duplicate_of: str | None = Field(
        None, pattern=ITEM_ID_PATTERN, description="with status duplicate: the original, like 3"
    )


class AssigneeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(pattern=ID_PATTERN, description="the member who looks after it")


class SpecIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=32, examples=["jobs-api"])
    spec_url: str = Field(
        min_length=1, max_length=500, description="http(s) URL of the JSON or YAML document"
    )


class SpecOut(BaseModel):
    name: str
    url: str
    title: str | None
    version: str | None
    format: str = Field(examples=["OpenAPI 3.1.0"])
    operation_count: int
    added_by: str | None
    fetched_at: UtcTime


class OperationOut(BaseModel):
    id: str
    method: str
    path: str
    summary: str | None


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def item_out(item: ItemRecord) -> ItemOut:
    return ItemOut(**_item_fields(item))


def _item_fields(item: ItemRecord) -> dict[str, Any]:
    return {
        "id": str(item.number),
        "ref": item.ref,
        "endpoint": item.endpoint,
        "method": item.method,
        "path": item.path,
        "in_spec": item.in_spec,
        "severity": item.severity,
        "title": item.title,
        "details": item.details,
        "expected": item.expected,
        "actual": item.actual,
        "status": item.status,
        "duplicate_of": _id(item.duplicate_of_number),
        "reporter_id": _id(item.reporter_id),
        "assignee_id": _id(item.assignee_id),
        "plus_ones": item.plus_ones,
        "discord_url": jump_url(item),
        "thread_id": _id(item.thread_id),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def item_detail(item: ItemRecord, history: list[ItemHistoryEntry]) -> ItemDetailOut:
    entries = [
        HistoryEntryOut(
            id=str(entry.id),
            at=entry.created_at,
            actor_id=_id(entry.actor_id),
            action=entry.action,
            from_value=entry.from_value,
            to_value=entry.to_value,
            note=entry.note,
        )
        for entry in history
    ]
    return ItemDetailOut(**_item_fields(item), history=entries)


def written(outcome: Outcome) -> ItemWritten:
    return ItemWritten(**_item_fields(outcome.item), notes=_notes(outcome))


def vote_out(outcome: Outcome, *, counted: bool) -> VoteOut:
    return VoteOut(**_item_fields(outcome.item), notes=_notes(outcome), counted=counted)


def _notes(outcome: Outcome) -> list[str]:
    return [*outcome.notes, *outcome.problems]


def duplicate_out(candidate: DuplicateCandidate) -> DuplicateOut:
    return DuplicateOut(
        id=str(candidate.number),
        ref=f"FB-{candidate.number}",
        endpoint=f"{candidate.method} {candidate.path}",
        title=candidate.title,
    )


def spec_out(spec: SpecRecord) -> SpecOut:
    return SpecOut(
        name=spec.name,
        url=spec.url,
        title=spec.title,
        version=spec.version,
        format=spec.spec_format,
        operation_count=spec.operation_count,
        added_by=_id(spec.added_by),
        fetched_at=spec.fetched_at,
    )


def operation_out(operation: OperationRecord) -> OperationOut:
    return OperationOut(
        id=str(operation.id),
        method=operation.method,
        path=operation.path,
        summary=operation.summary,
    )
