"""Feedback exports: CSV, JSON or Markdown files with every field and the whole history."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any, Final

from cogs.feedback.records import ExportItem, ItemHistoryEntry, ItemRecord
from cogs.feedback.rules import STATUS_LABELS

# Column order of the CSV and key order of the JSON objects.
FIELDS: Final = (
    "id",
    "number",
    "status",
    "severity",
    "method",
    "path",
    "in_spec",
    "title",
    "details",
    "expected",
    "actual",
    "reporter_id",
    "assignee_id",
    "duplicate_of",
    "plus_ones",
    "channel_id",
    "message_id",
    "thread_id",
    "created_at",
    "updated_at",
)
# A cell starting with one of these is a formula to spreadsheet programs; a leading apostrophe
# keeps it text (the OWASP advice for CSV injection).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def item_fields(item: ItemRecord) -> dict[str, Any]:
    return {
        "id": item.ref,
        "number": item.number,
        "status": item.status,
        "severity": item.severity,
        "method": item.method,
        "path": item.path,
        "in_spec": item.in_spec,
        "title": item.title,
        "details": item.details,
        "expected": item.expected,
        "actual": item.actual,
        "reporter_id": _id(item.reporter_id),
        "assignee_id": _id(item.assignee_id),
        "duplicate_of": f"FB-{item.duplicate_of_number}" if item.duplicate_of_number else None,
        "plus_ones": item.plus_ones,
        "channel_id": _id(item.channel_id),
        "message_id": _id(item.message_id),
        "thread_id": _id(item.thread_id),
        "created_at": _time(item.created_at),
        "updated_at": _time(item.updated_at),
    }


def history_fields(entry: ItemHistoryEntry) -> dict[str, Any]:
    return {
        "at": _time(entry.created_at),
        "actor_id": _id(entry.actor_id),
        "action": entry.action,
        "from": entry.from_value,
        "to": entry.to_value,
        "note": entry.note,
    }


def _id(value: int | None) -> str | None:
    # Discord ids exceed JavaScript's safe integers: strings survive every JSON reader.
    return str(value) if value is not None else None


def _time(value: datetime) -> str:
    return value.isoformat()


def render(export_format: str, items: list[ExportItem]) -> tuple[str, bytes]:
    """The file name extension and the file's bytes (UTF-8)."""
    if export_format == "csv":
        return "csv", to_csv(items).encode("utf-8")
    if export_format == "json":
        return "json", to_json(items).encode("utf-8")
    if export_format == "markdown":
        return "md", to_markdown(items).encode("utf-8")
    raise ValueError(f"unknown export format {export_format!r}")


def to_json(items: list[ExportItem]) -> str:
    payload = [
        {**item_fields(entry.item), "history": [history_fields(h) for h in entry.history]}
        for entry in items
    ]
    return json.dumps({"items": payload}, ensure_ascii=False, indent=2)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(items: list[ExportItem]) -> str:
    """One row per item; the history column holds the item's history as a JSON list."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*FIELDS, "history"])
    for entry in items:
        record = item_fields(entry.item)
        history = json.dumps([history_fields(h) for h in entry.history], ensure_ascii=False)
        writer.writerow([_cell(record[name]) for name in FIELDS] + [_cell(history)])
    return buffer.getvalue()


def _md(value: Any) -> str:
    """A value inside a Markdown table cell: pipes escaped, line breaks kept as <br>."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("\r\n", "\n").replace("\n", "<br>")


def to_markdown(items: list[ExportItem]) -> str:
    lines = ["# API feedback export", "", f"{len(items)} item(s).", ""]
    for entry in items:
        record = item_fields(entry.item)
        status = STATUS_LABELS.get(entry.item.status, entry.item.status)
        lines += [f"## {record['id']} — {_md(entry.item.title)}", "", f"*{status}*", ""]
        lines += ["| field | value |", "|---|---|"]
        lines += [f"| {name} | {_md(record[name])} |" for name in FIELDS]
        lines += ["", "### History", ""]
        if not entry.history:
            lines.append("(none)")
        for h in entry.history:
            record_h = history_fields(h)
            line = (
                f"- {record_h['at']} · actor {_md(record_h['actor_id'])} · {record_h['action']}"
                f" · from {_md(record_h['from'])} · to {_md(record_h['to'])}"
            )
            if h.note:
                line += f" · note: {_md(h.note)}"
            lines.append(line)
        lines.append("")
    return "\n".join(lines)
