"""What the member who acted is told, privately: a new item's place, a +1 added, a status moved,
what Discord refused along the way, and a duplicate prompt's item closed in the meantime."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.formatters import plural
from bot.text import MESSAGE_LIMIT, truncate
from cogs.feedback.render import jump_url, status_text
from cogs.feedback.rules import STATUS_LABELS

if TYPE_CHECKING:
    from cogs.feedback.outcomes import Outcome
    from cogs.feedback.records import PlusOne, StatusChange, Vote
    from cogs.feedback.rules import ItemClosedMeanwhile


def with_outcome(text: str, outcome: Outcome) -> str:
    return truncate("\n".join([text, *outcome.notes, *outcome.problems]), MESSAGE_LIMIT)


def new_item_reply(outcome: Outcome, *, posting: bool = False) -> str:
    """Where a new item was posted (or why it was not), for its reporter; `posting`: the
    answer sent as it is stored, before the post exists (edited once it does)."""
    item = outcome.item
    lines = [f"Logged **{item.ref}** · `{item.endpoint}` · {item.severity}."]
    link = jump_url(item)
    if posting:
        lines[0] += " Posting it now…"
    elif link is not None:
        lines[0] += f" It's posted here: {link}"
        lines.append(
            "Discuss it in its thread; you'll be mentioned when its status changes. "
            f"While it is open you can withdraw it from `/feedback show {item.ref}`."
        )
    if item.in_spec is False:
        lines.append(
            f'⚠️ `{item.endpoint}` is not in any registered API spec, so it is marked "not in spec".'
        )
    lines += outcome.problems
    return "\n".join(lines)


def plus_one_reply(plus: PlusOne, outcome: Outcome) -> str:
    if plus.counted:
        text = f"Added your details to **{plus.item.ref}** — that's +{plus.item.plus_ones}."
    elif plus.item.reporter_id == plus.user_id:
        text = f"Added your details to **{plus.item.ref}**, your own report."
    else:
        text = f"Added your details to **{plus.item.ref}** (your +1 was already counted)."
    link = jump_url(outcome.item)
    if link is not None:
        text += f" {link}"
    return with_outcome(text, outcome)


def vote_reply(vote: Vote, outcome: Outcome) -> str:
    ref = vote.item.ref
    if vote.counted:
        text = f"Your +1 on **{ref}** counts: that's {vote.item.plus_ones}."
    elif vote.item.reporter_id == vote.user_id:
        text = f"You reported **{ref}**, so it already counts you."
    else:
        text = f"Your +1 on **{ref}** was already counted."
    text += " You'll hear when its status changes (the 🔔 button switches that to DMs)."
    return with_outcome(text, outcome)


def direct_message_reply(number: int, by_dm: bool) -> str:
    if by_dm:
        return (
            f"You'll get a DM when **FB-{number}**'s status changes. "
            "Press 🔔 again to be mentioned in its thread instead."
        )
    return f"You'll be mentioned in **FB-{number}**'s thread when its status changes, not DMed."


def status_reply(change: StatusChange, outcome: Outcome) -> str:
    told = plural(len(change.audience), "watcher")
    text = (
        f"**{change.item.ref}**: {STATUS_LABELS[change.old_status]} → "
        f"**{status_text(outcome.item)}**. Told {told} (the reporter, +1s and watchers)."
    )
    if change.merge is not None:
        merge = change.merge
        text += (
            f"\nMerged into **{merge.original.ref}**: +{merge.votes_moved} there "
            f"(now {merge.original.plus_ones}), {plural(merge.watchers_added, 'new watcher')}."
        )
    return with_outcome(text, outcome)


def closed_meanwhile(error: ItemClosedMeanwhile) -> str:
    # The prompt's other button still works, so say so.
    return (
        f"FB-{error.number} was closed ({STATUS_LABELS[error.status]}) in the meantime; "
        "use **Create anyway** to log yours."
    )
