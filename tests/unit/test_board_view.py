"""The feedback board's shaping (board_view.py) and its templates: the moves offered are the
workflow's, links keep the filters, history reads as /feedback show says it, a spec's templated
path gathers the concrete paths logged against it, and every template escapes hostile text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cogs.feedback.board_view import (
    BoardQuery,
    Column,
    card,
    endpoint_rows,
    history_line,
    moves_from,
    thread_url,
)
from cogs.feedback.pages import TEMPLATES
from cogs.feedback.records import ItemHistoryEntry, ItemRecord, SpecRecord
from cogs.feedback.rules import TRANSITIONS
from cogs.feedback.spec_operations import OperationRecord

NOW = datetime(2026, 12, 6, 21, 5, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"


def _item(**changes: Any) -> ItemRecord:
    values: dict[str, Any] = {
        "id": 1, "guild_id": 5, "number": 7, "reporter_id": 2, "method": "GET",
        "path": "/api/jobs", "in_spec": None, "severity": "bug", "title": "Jobs fail",
        "details": "d", "expected": None, "actual": None, "status": "open",
        "duplicate_of_number": None, "assignee_id": None, "plus_ones": 3, "channel_id": 10,
        "message_id": 11, "thread_id": 12, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    values.update(changes)
    return ItemRecord(**values)


def _name(user_id: int | None) -> str:
    return {2: "alice", 3: "triager"}.get(user_id or 0, "a former member")


@pytest.mark.parametrize("status", list(TRANSITIONS))
def test_the_moves_offered_are_the_workflows_and_a_card_leaves_out_duplicate(status: str) -> None:
    assert [move.status for move in moves_from(status)] == list(TRANSITIONS[status])
    quick = [move.status for move in moves_from(status, with_duplicate=False)]
    assert quick == [target for target in TRANSITIONS[status] if target != "duplicate"]


def test_a_card_offers_moves_to_triagers_only_and_links_to_its_item() -> None:
    item = _item(assignee_id=3)
    member, triager = card(item, _name, triager=False), card(item, _name, triager=True)
    assert (member.moves, member.assignee, member.href) == ((), "triager", "/f/5/7")
    assert [move.label for move in triager.moves] == [
        "Acknowledged", "In progress", "Resolved", "Won't fix"
    ]  # fmt: skip
    assert card(_item(), _name, triager=False).assignee == "nobody yet"


def test_board_links_keep_the_filters_and_leave_out_empty_ones() -> None:
    query = BoardQuery(endpoint="GET /api/jobs", mine=True, sort="plus_ones")
    assert query.link(5) == "/f/5?endpoint=GET+%2Fapi%2Fjobs&mine=on&sort=plus_ones"
    assert query.link(5, status="open", cursor="abc").endswith("&status=open&cursor=abc")
    assert BoardQuery().link(5) == "/f/5"
    assert (query.filtered, BoardQuery(sort="plus_ones").filtered) == (True, False)
    column = Column("open", "Open", (), query.link(5, status="open"))
    assert column.more_href == "/f/5?endpoint=GET+%2Fapi%2Fjobs&mine=on&sort=plus_ones&status=open"


def test_the_thread_link_is_the_thread_or_else_the_post_or_nothing() -> None:
    assert thread_url(_item()) == "https://discord.com/channels/5/12"
    assert thread_url(_item(thread_id=None)) == "https://discord.com/channels/5/10/11"
    assert thread_url(_item(thread_id=None, message_id=None)) is None


def test_history_reads_as_feedback_show_with_names_and_utc_times() -> None:
    moved = ItemHistoryEntry(1, 3, "status", "open", "acknowledged", "On it", NOW)
    assigned = ItemHistoryEntry(2, None, "assigned", None, "2", None, NOW)
    line = history_line(moved, _name)
    assert (line.who, line.what, line.note) == (
        "triager",
        "changed the status: Open → Acknowledged",
        "On it",
    )
    assert (line.when_iso, line.when_shown) == (
        "2026-12-06T21:05:00+00:00",
        "6 Dec 2026, 21:05 UTC",
    )
    assert (history_line(assigned, _name).who, history_line(assigned, _name).what) == (
        "Nexus",
        "assigned it to alice",
    )


def test_a_templated_operation_gathers_the_concrete_paths_logged_against_it() -> None:
    operations = [
        OperationRecord(1, "GET", "/api/jobs", "List jobs"),
        OperationRecord(2, "GET", "/api/jobs/{jobId}", None),
        OperationRecord(3, "DELETE", "/api/jobs/{jobId}", None),
    ]
    counts = {("GET", "/api/jobs"): 2, ("GET", "/api/jobs/12"): 1, ("GET", "/api/jobs/7"): 4}
    rows = endpoint_rows(operations, counts, 5)
    assert [row.open_count for row in rows] == [2, 5, 0]
    assert [logged.endpoint for logged in rows[1].logged] == ["GET /api/jobs/12", "GET /api/jobs/7"]
    assert rows[0].logged[0].href == "/f/5?endpoint=GET+%2Fapi%2Fjobs"


def _base_context() -> dict[str, Any]:
    return {
        "viewer": None, "nav": [], "csrf_field": "csrf_token", "csrf_token": "t",
        "sign_out_path": "/out", "board_href": "/f/5", "specs_href": "/f/5/specs",
    }  # fmt: skip


def test_every_feedback_template_escapes_hostile_text() -> None:
    item = _item(title=HOSTILE, path="/api/" + HOSTILE, details=HOSTILE, expected=HOSTILE)
    hostile_card = card(item, lambda _: HOSTILE, triager=True)
    pages = {
        "feedback/board.html": {
            "query": BoardQuery(endpoint=HOSTILE, assignee=HOSTILE),
            "problem": HOSTILE,
            "columns": [Column("open", "Open", (hostile_card,), None)],
            "whole_board_href": "/f/5",
            "endpoint_choices": [],
            "severities": {"": "Any"},
            "assignees": {"": "Anyone"},
            "sorts": {"newest": "Newest"},
            "paged": False,
        },
        "feedback/item.html": {
            "item": item,
            "status_label": "Open",
            "reporter": HOSTILE,
            "assignee": HOSTILE,
            "history": [
                history_line(
                    ItemHistoryEntry(1, 2, "status", "open", HOSTILE, HOSTILE, NOW),
                    lambda _: HOSTILE,
                )
            ],
            "thread_href": None,
            "item_href": "/f/5/7",
            "duplicate_href": None,
            "moves": moves_from("open"),
            "can_take": True,
            "reported": "now",
            "reported_iso": "now",
            "notice": HOSTILE,
            "problem": HOSTILE,
        },
    }
    spec = SpecRecord(
        1, "jobs", "https://x.test/" + HOSTILE, HOSTILE, HOSTILE, "OpenAPI 3", 1, 2, NOW
    )
    operation = OperationRecord(1, "GET", "/api/{id}", HOSTILE)
    rows = endpoint_rows([operation], {("GET", "/api/" + HOSTILE): 1}, 5)
    pages["feedback/specs.html"] = {
        "specs": [(spec, rows, False)],
        "fetched": lambda moment: HOSTILE,
        "utc": lambda moment: moment,
    }
    for name, values in pages.items():
        body = TEMPLATES.get_template(name).render(**_base_context(), **values)
        assert "<script>" not in body and "<img" not in body, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, name
