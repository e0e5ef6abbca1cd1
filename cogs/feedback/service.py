"""Feedback's service for the cog: one object that builds the parts and answers the cog's calls.

Each call is answered by the module whose job it is: intake (check a report, find duplicates,
create, drafts for the duplicate prompt), the workflow (status, assignment, withdrawal), the
queries (one item, its history, pages, exports, id autocomplete), the item store (where an item
lives in Discord), the spec registry and the member data (forget, stats, open topics). No
Discord here: plain ids and strings in, frozen records out; `publisher.py` and the cog turn them
into messages, embeds and thread updates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.feedback.intake import FeedbackIntake
from cogs.feedback.member_data import FeedbackMemberData
from cogs.feedback.open_index import OpenItemIndexes
from cogs.feedback.queries import FeedbackQueries
from cogs.feedback.spec_registry import SpecRegistry
from cogs.feedback.store import ItemStore
from cogs.feedback.workflow import FeedbackWorkflow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.audit import AuditService
    from bot.clock import Clock


class FeedbackService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditService,
        *,
        clock: Clock,
    ) -> None:
        self.store = ItemStore(sessions, clock=clock)
        self.open_items = OpenItemIndexes(sessions)
        self.specs = SpecRegistry(sessions, audit, clock=clock)
        self.intake = FeedbackIntake(
            sessions, clock=clock, store=self.store, open_items=self.open_items, specs=self.specs
        )
        self.workflow = FeedbackWorkflow(
            sessions, audit, clock=clock, store=self.store, open_items=self.open_items
        )
        self.queries = FeedbackQueries(sessions, store=self.store)
        self.member_data = FeedbackMemberData(sessions)

        self.draft = self.intake.draft
        self.find_duplicates = self.intake.find_duplicates
        self.open_index = self.open_items.for_guild
        self.create = self.intake.create
        self.save_draft = self.intake.save_draft
        self.load_draft = self.intake.load_draft
        self.add_details = self.intake.add_details
        self.change_status = self.workflow.change_status
        self.withdraw = self.workflow.withdraw
        self.assign = self.workflow.assign
        self.record_posting = self.store.record_posting
        self.get = self.queries.get
        self.history = self.queries.history
        self.list_page = self.queries.list_page
        self.export = self.queries.export
        self.item_choices = self.queries.item_choices
        self.add_spec = self.specs.add_spec
        self.ensure_spec_name_free = self.specs.ensure_spec_name_free
        self.get_spec = self.specs.get_spec
        self.refresh_spec = self.specs.refresh_spec
        self.remove_spec = self.specs.remove_spec
        self.list_specs = self.specs.list_specs
        self.is_in_spec = self.specs.is_in_spec
        self.endpoint_choices = self.specs.endpoint_choices
        self.forget = self.member_data.forget
        self.stats = self.member_data.stats
        self.open_topics = self.member_data.open_topics
