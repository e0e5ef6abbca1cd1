"""Feedback's stores and services, built once on one set of dependencies.

Intake (check a report, find duplicates, create, drafts for the duplicate prompt), the workflow
(status, assignment, withdrawal, merging duplicates), +1s and watchers, the queries (one item,
its history, pages, exports, id autocomplete), the item store (where an item lives in Discord),
the spec registry and a spec's operations, and the member data (forget, stats, open topics)
share one store and one open-item index, so they are wired here, in one place, for the cog,
the tests and the benchmark alike. Callers call the part whose job it is. No Discord here:
plain ids and strings in, frozen records out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cogs.feedback.dashboard import FeedbackDashboard
from cogs.feedback.intake import FeedbackIntake
from cogs.feedback.member_data import FeedbackMemberData
from cogs.feedback.open_index import OpenItemIndexes
from cogs.feedback.queries import FeedbackQueries
from cogs.feedback.spec_operations import SpecOperations
from cogs.feedback.spec_registry import SpecRegistry
from cogs.feedback.store import ItemStore
from cogs.feedback.votes import VoteStore
from cogs.feedback.watchers import WatcherStore
from cogs.feedback.workflow import FeedbackWorkflow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.audit import AuditService
    from bot.clock import Clock


@dataclass(frozen=True)
class FeedbackParts:
    store: ItemStore
    open_items: OpenItemIndexes
    specs: SpecRegistry
    operations: SpecOperations
    votes: VoteStore
    watchers: WatcherStore
    intake: FeedbackIntake
    workflow: FeedbackWorkflow
    queries: FeedbackQueries
    member_data: FeedbackMemberData
    dashboard: FeedbackDashboard


def build_parts(
    sessions: async_sessionmaker[AsyncSession],
    audit: AuditService,
    *,
    clock: Clock,
    guilds_cached: int = 1000,
) -> FeedbackParts:
    store = ItemStore(sessions, clock=clock)
    open_items = OpenItemIndexes(sessions, guilds_cached)
    specs = SpecRegistry(sessions, audit, clock=clock, guilds_cached=guilds_cached)
    watchers = WatcherStore(sessions, clock=clock, store=store)
    votes = VoteStore(sessions, clock=clock, store=store, watchers=watchers)
    return FeedbackParts(
        store=store,
        open_items=open_items,
        specs=specs,
        operations=SpecOperations(sessions),
        votes=votes,
        watchers=watchers,
        intake=FeedbackIntake(
            sessions,
            clock=clock,
            store=store,
            open_items=open_items,
            specs=specs,
            votes=votes,
            watchers=watchers,
        ),
        workflow=FeedbackWorkflow(
            sessions,
            audit,
            clock=clock,
            store=store,
            open_items=open_items,
            votes=votes,
            watchers=watchers,
        ),
        queries=FeedbackQueries(sessions, store=store),
        member_data=FeedbackMemberData(sessions),
        dashboard=FeedbackDashboard(sessions),
    )
