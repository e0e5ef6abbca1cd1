"""Tests of bot.ui's view logic, driven directly with fake interactions (no Discord network)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import discord
import pytest
from discord.ext import commands

from bot.ui import (
    ALREADY_ANSWERED,
    TIMED_OUT,
    ConfirmView,
    DelegatingErrorsView,
    NexusModal,
    Page,
    Paginator,
    confirm,
    send_paginated,
    text_input,
)

OWNER = 1
STRANGER = 2
PAGE_SIZE = 10


# --- fakes -------------------------------------------------------------------------------------
@dataclass
class Call:
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


@dataclass
class FakeResponse:
    calls: list[Call] = field(default_factory=list)
    done: bool = False
    on_send: Any = None

    def is_done(self) -> bool:
        return self.done

    async def send_message(self, *args: Any, **kwargs: Any) -> SimpleNamespace:
        self.calls.append(Call("send_message", args, kwargs))
        self.done = True
        if self.on_send is not None:
            self.on_send(kwargs.get("view"))
        return SimpleNamespace(resource=None)

    async def edit_message(self, **kwargs: Any) -> None:
        self.calls.append(Call("edit_message", (), kwargs))
        self.done = True

    async def defer(self, **kwargs: Any) -> None:
        self.calls.append(Call("defer", (), kwargs))
        self.done = True


FOLLOWUP_ID = 4242


@dataclass
class FakeFollowup:
    calls: list[Call] = field(default_factory=list)
    edits: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    async def send(self, **kwargs: Any) -> SimpleNamespace:
        self.calls.append(Call("followup.send", (), kwargs))
        return SimpleNamespace(id=FOLLOWUP_ID)

    async def edit_message(self, message_id: int, **kwargs: Any) -> None:
        self.edits.append((message_id, kwargs))


class FakeInteraction:
    def __init__(self, user_id: int = OWNER, *, client: Any = None, deferred: bool = False):
        self.user = SimpleNamespace(id=user_id)
        self.client = client if client is not None else SimpleNamespace()
        self.response = FakeResponse(done=deferred)
        self.followup = FakeFollowup()
        self.edits: list[dict[str, Any]] = []
        self.edit_error: Exception | None = None

    async def edit_original_response(self, **kwargs: Any) -> None:
        if self.edit_error is not None:
            raise self.edit_error
        self.edits.append(kwargs)


def as_interaction(fake: FakeInteraction) -> discord.Interaction:
    return cast(discord.Interaction, fake)


class Listing:
    """A keyset-paginated listing of ints, recording every fetch and render."""

    def __init__(self, count: int) -> None:
        self.rows = list(range(count))
        self.fetched: list[int | None] = []
        self.rendered: list[tuple[Sequence[int], int]] = []

    async def fetch(self, cursor: Any) -> Page[int]:
        self.fetched.append(cursor)
        after = -1 if cursor is None else cursor
        items = [row for row in self.rows if row > after][:PAGE_SIZE]
        more = bool(items) and any(row > items[-1] for row in self.rows)
        return Page(items, items[-1] if more else None)

    def render(self, page: Page[int], number: int) -> discord.Embed:
        self.rendered.append((page.items, number))
        return discord.Embed(title=f"Page {number}", description=repr(list(page.items)))


def paginator_for(listing: Listing) -> Paginator[int]:
    return Paginator(listing.fetch, listing.render, owner_id=OWNER)


def states(view: Paginator[int]) -> tuple[bool, str | None, bool]:
    return (view.previous_button.disabled, view.page_label.label, view.next_button.disabled)


def not_found() -> discord.NotFound:
    return discord.NotFound(cast(Any, SimpleNamespace(status=404, reason="Not Found")), "gone")


# --- Paginator navigation ----------------------------------------------------------------------
async def test_first_page_has_previous_disabled_and_next_enabled() -> None:
    listing = Listing(25)
    view = paginator_for(listing)
    page = await view.load_first_page()
    assert list(page.items) == list(range(10))
    assert listing.fetched == [None]
    assert states(view) == (True, "Page 1", False)
    assert view.page_label.disabled


async def test_next_walks_to_the_last_page_and_stops_there() -> None:
    listing = Listing(25)
    view = paginator_for(listing)
    await view.load_first_page()
    assert await view.go_next()
    assert states(view) == (False, "Page 2", False)
    assert await view.go_next()
    assert list(view.page.items) == [20, 21, 22, 23, 24]
    assert states(view) == (False, "Page 3", True)
    assert not await view.go_next()
    assert view.page_number == 3
    assert listing.fetched == [None, 9, 19]


async def test_previous_refetches_with_the_stacked_cursor_not_an_offset() -> None:
    listing = Listing(25)
    view = paginator_for(listing)
    await view.load_first_page()
    await view.go_next()
    await view.go_next()
    assert await view.go_previous()
    assert list(view.page.items) == list(range(10, 20))
    assert states(view) == (False, "Page 2", False)
    assert await view.go_previous()
    assert list(view.page.items) == list(range(10))
    assert states(view) == (True, "Page 1", False)
    assert not await view.go_previous()
    assert listing.fetched == [None, 9, 19, 9, None]
    # and forward again uses the same cursors
    await view.go_next()
    assert listing.fetched[-1] == 9


async def test_render_gets_the_page_and_its_number() -> None:
    listing = Listing(25)
    view = paginator_for(listing)
    await view.load_first_page()
    view.current_embed()
    await view.go_next()
    embed = view.current_embed()
    assert embed.title == "Page 2"
    assert listing.rendered == [(list(range(10)), 1), (list(range(10, 20)), 2)]


async def test_exactly_one_full_page_has_no_next() -> None:
    view = paginator_for(Listing(PAGE_SIZE))
    await view.load_first_page()
    assert states(view) == (True, "Page 1", True)


async def test_a_next_page_that_vanished_makes_the_current_page_the_last() -> None:
    listing = Listing(25)
    view = paginator_for(listing)
    await view.load_first_page()
    listing.rows = listing.rows[:10]  # the rows after page 1 were deleted meanwhile
    assert not await view.go_next()
    assert view.page_number == 1
    assert list(view.page.items) == list(range(10))
    assert states(view) == (True, "Page 1", True)


async def test_concurrent_clicks_keep_the_cursor_stack_consistent() -> None:
    listing = Listing(25)
    view = paginator_for(listing)
    await view.load_first_page()
    await asyncio.gather(view.go_next(), view.go_next(), view.go_next())
    assert view.page_number == 3
    assert listing.fetched == [None, 9, 19]


async def test_next_button_turns_the_page_and_edits_the_message_in_place() -> None:
    listing = Listing(25)
    view = paginator_for(listing)
    await view.load_first_page()
    click = FakeInteraction()
    await view.next_button.callback(as_interaction(click))
    [call] = click.response.calls
    assert call.name == "edit_message"
    assert call.kwargs["view"] is view
    assert call.kwargs["embed"].title == "Page 2"
    await view.previous_button.callback(as_interaction(click))
    assert click.response.calls[-1].kwargs["embed"].title == "Page 1"


# --- who may click -----------------------------------------------------------------------------
async def test_only_the_owner_may_turn_pages() -> None:
    view = paginator_for(Listing(25))
    await view.load_first_page()
    stranger = FakeInteraction(STRANGER)
    assert not await view.interaction_check(as_interaction(stranger))
    [call] = stranger.response.calls
    assert call.args == ("Only the person who ran this command can turn its pages.",)
    assert call.kwargs == {"ephemeral": True}
    assert await view.interaction_check(as_interaction(FakeInteraction(OWNER)))


# --- send_paginated ----------------------------------------------------------------------------
async def test_send_paginated_answers_an_empty_listing_ephemerally() -> None:
    interaction = FakeInteraction()
    listing = Listing(0)
    view = await send_paginated(
        as_interaction(interaction), listing.fetch, listing.render, ephemeral=False
    )
    assert view is None
    [call] = interaction.response.calls
    assert call.args == ("Nothing to show.",)
    assert call.kwargs["ephemeral"] is True
    assert "view" not in call.kwargs or call.kwargs["view"] is discord.utils.MISSING


async def test_send_paginated_sends_a_single_page_without_buttons() -> None:
    interaction = FakeInteraction()
    listing = Listing(3)
    view = await send_paginated(as_interaction(interaction), listing.fetch, listing.render)
    assert view is None
    [call] = interaction.response.calls
    assert call.kwargs["view"] is discord.utils.MISSING
    assert call.kwargs["embed"].title == "Page 1"


async def test_send_paginated_sends_buttons_when_there_is_more() -> None:
    interaction = FakeInteraction()
    listing = Listing(25)
    view = await send_paginated(as_interaction(interaction), listing.fetch, listing.render)
    assert view is not None
    [call] = interaction.response.calls
    assert call.kwargs["view"] is view
    assert call.kwargs["ephemeral"] is True
    assert view.owner_id == OWNER


async def test_send_paginated_follows_up_when_already_deferred() -> None:
    interaction = FakeInteraction(deferred=True)
    listing = Listing(25)
    view = await send_paginated(as_interaction(interaction), listing.fetch, listing.render)
    assert view is not None
    assert interaction.response.calls == []
    [call] = interaction.followup.calls
    assert call.kwargs["view"] is view
    assert call.kwargs["wait"] is True


async def test_timeout_of_a_followup_edits_that_message_by_its_id() -> None:
    interaction = FakeInteraction(deferred=True)
    listing = Listing(25)
    view = await send_paginated(as_interaction(interaction), listing.fetch, listing.render)
    assert view is not None
    await view.on_timeout()
    assert interaction.followup.edits == [
        (FOLLOWUP_ID, {"content": discord.utils.MISSING, "view": view})
    ]
    assert interaction.edits == []


# --- timeout -----------------------------------------------------------------------------------
async def test_timeout_disables_every_button_through_the_latest_interaction() -> None:
    interaction = FakeInteraction()
    listing = Listing(25)
    view = await send_paginated(as_interaction(interaction), listing.fetch, listing.render)
    assert view is not None
    click = FakeInteraction()
    assert await view.interaction_check(as_interaction(click))
    await view.on_timeout()
    assert all(cast(discord.ui.Button[Any], item).disabled for item in view.children)
    assert interaction.edits == []
    assert click.edits == [{"content": discord.utils.MISSING, "view": view}]


async def test_timeout_on_a_deleted_message_is_swallowed() -> None:
    interaction = FakeInteraction()
    interaction.edit_error = not_found()
    listing = Listing(25)
    view = await send_paginated(as_interaction(interaction), listing.fetch, listing.render)
    assert view is not None
    await view.on_timeout()  # must not raise
    assert view.next_button.disabled


# --- ConfirmView and confirm() -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("button", "expected"), [("confirm_button", True), ("cancel_button", False)]
)
async def test_an_answer_disables_the_buttons_and_settles_the_view(
    button: str, expected: bool
) -> None:
    view = ConfirmView(OWNER)
    click = FakeInteraction()
    await getattr(view, button).callback(as_interaction(click))
    assert view.value is expected
    assert await view.decided() is expected
    assert view.settled
    assert view.confirm_button.disabled and view.cancel_button.disabled
    [call] = click.response.calls
    assert call.name == "edit_message"
    assert call.kwargs == {"view": view}
    assert view.confirm_button.style is discord.ButtonStyle.danger


async def test_a_click_that_races_the_answer_is_acknowledged_and_changes_nothing() -> None:
    view = ConfirmView(OWNER)
    await view.confirm_button.callback(as_interaction(FakeInteraction()))
    racing = FakeInteraction()
    # discord.py checks the view before it runs a callback: the racing click stops there.
    assert not await view.interaction_check(as_interaction(racing))
    [call] = racing.response.calls
    assert call.args == (ALREADY_ANSWERED,) and call.kwargs == {"ephemeral": True}
    assert view.value is True
    # Still registered for a moment (a stopped view gets no clicks: "interaction failed").
    assert not view.is_finished()


async def test_only_the_owner_may_answer() -> None:
    view = ConfirmView(OWNER, confirm_label="Delete it", danger=False)
    stranger = FakeInteraction(STRANGER)
    assert not await view.interaction_check(as_interaction(stranger))
    assert stranger.response.calls[0].kwargs == {"ephemeral": True}
    assert view.value is None
    assert view.confirm_button.label == "Delete it"
    assert view.confirm_button.style is discord.ButtonStyle.success


async def test_confirm_returns_true_when_the_owner_confirms() -> None:
    interaction = FakeInteraction()

    def click_confirm(view: ConfirmView) -> None:
        asyncio.get_running_loop().create_task(
            view.confirm_button.callback(as_interaction(FakeInteraction()))
        )

    interaction.response.on_send = click_confirm
    assert await confirm(as_interaction(interaction), "Delete snippet #4?")
    [call] = interaction.response.calls
    assert call.args == ("Delete snippet #4?",)
    assert call.kwargs["ephemeral"] is True


async def test_confirm_returns_false_and_says_so_on_timeout() -> None:
    interaction = FakeInteraction()

    def time_out(view: ConfirmView) -> None:
        # What discord.py's view store does when the timeout elapses.
        asyncio.get_running_loop().call_soon(view._dispatch_timeout)

    interaction.response.on_send = time_out
    assert not await confirm(as_interaction(interaction), "Sure?", timeout=5)
    await asyncio.sleep(0)  # on_timeout runs as its own task
    [edit] = interaction.edits
    assert edit["content"] == TIMED_OUT
    assert all(cast(discord.ui.Button[Any], item).disabled for item in edit["view"].children)


# --- error delegation --------------------------------------------------------------------------
async def test_view_and_modal_errors_reach_the_command_tree_handler() -> None:
    bot = commands.Bot(command_prefix=commands.when_mentioned, intents=discord.Intents.none())
    seen: list[Exception] = []

    async def handler(interaction: discord.Interaction, error: Exception) -> None:
        seen.append(error)

    bot.tree.error(handler)
    interaction = as_interaction(FakeInteraction(client=bot))
    view_error, modal_error = RuntimeError("view"), RuntimeError("modal")
    view = DelegatingErrorsView()
    await view.on_error(interaction, view_error, discord.ui.Button[Any](label="x"))
    await NexusModal(title="t").on_error(interaction, modal_error)
    assert seen == [view_error, modal_error]
    await bot.close()


async def test_errors_without_a_tree_are_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    view = paginator_for(Listing(1))
    await view.on_error(as_interaction(FakeInteraction()), ValueError("boom"), view.next_button)
    assert "boom" in caplog.text


# --- modals ------------------------------------------------------------------------------------
def test_text_input_clamps_to_discords_limits() -> None:
    field_ = text_input(
        "A label much longer than forty-five characters, surely",
        custom_id="x",
        default="abcdef",
        max_length=4,
        placeholder="p" * 150,
        paragraph=True,
    )
    # (read through the payload: the .label property is deprecated in favour of ui.Label)
    assert len(str(field_.to_component_dict()["label"])) == 45
    assert field_.default == "abcd"
    assert field_.max_length == 4
    assert field_.placeholder is not None and len(field_.placeholder) == 100
    assert field_.style is discord.TextStyle.paragraph
    assert text_input("l", custom_id="y", max_length=10_000).max_length == 4000
    assert text_input("l", custom_id="z", default="d" * 5000).default == "d" * 4000


def test_text_input_rejects_a_custom_id_discord_would_refuse() -> None:
    with pytest.raises(ValueError):
        text_input("l", custom_id="c" * 101)


async def test_modal_titles_are_shortened_to_45_characters() -> None:
    assert len(NexusModal(title="t" * 60).title) == 45
