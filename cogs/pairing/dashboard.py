"""The pairing's part of the program dashboard: the last rounds, their people and groups, what
the groups answered, repeats and the share of groups across tracks.

A moderator sees the server's rounds, from the same round reports the API serves; anyone else
sees only the rounds they were in and what their own group answered — never who they were
paired with.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.dashboard import ROUNDS_SHOWN, Chart, Panel, Section, Series, Table
from cogs.pairing.models import PairGroup, PairMember, PairRound

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.dashboard import DashboardViewer
    from cogs.pairing.round_reports import RoundReport, RoundReports

FEATURE: Final = "pairing"
ANSWERS: Final = {"met": "Met", "not_met": "Couldn't meet", None: "No answer yet"}


def _day(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%b} {local.day}"


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


class PairingDashboard:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], round_reports: RoundReports
    ) -> None:
        self._sessions = sessions
        self._round_reports = round_reports

    async def sections(self, guild_id: int, viewer: DashboardViewer) -> list[Section]:
        zone = ZoneInfo(viewer.weeks.zone)
        if not viewer.everyone:
            return [await self._member_section(guild_id, viewer.user_id, zone)]
        page = await self._round_reports.page(guild_id, limit=ROUNDS_SHOWN)
        reports = list(reversed(page.reports))
        note = f"The last {ROUNDS_SHOWN} rounds of this server, oldest first."
        panels = (_people_panel(reports, zone), _answers_panel(reports), _tracks_panel(reports))
        return [Section(FEATURE, "Pairing rounds", panels, note)]

    async def _member_section(self, guild_id: int, user_id: int, zone: ZoneInfo) -> Section:
        query = (
            select(PairRound.number, PairRound.scheduled_for, PairGroup.outcome)
            .select_from(PairMember)
            .join(PairGroup, PairGroup.id == PairMember.group_id)
            .join(PairRound, PairRound.id == PairGroup.round_id)
            .where(PairMember.guild_id == guild_id, PairMember.user_id == user_id)
            .order_by(PairRound.number.desc())
            .limit(ROUNDS_SHOWN)
        )
        async with self._sessions() as session:
            rows = list(reversed((await session.execute(query)).all()))
        table = Table(
            ("Round", "Date", "Your group's answer"),
            tuple(
                (f"#{number}", _day(when, zone), ANSWERS[outcome]) for number, when, outcome in rows
            ),
        )
        counts = Counter(outcome for _, _, outcome in rows)
        labels = tuple(ANSWERS.values())
        chart = Chart(
            "bar",
            labels,
            (Series("Rounds", tuple(float(counts[key]) for key in ANSWERS)),),
            "rounds",
        )
        panel = Panel(
            "Your rounds",
            f"The last {ROUNDS_SHOWN} rounds you were paired in, and what your group answered.",
            table,
            chart if rows else None,
        )
        return Section(FEATURE, "Pairing rounds", (panel,), "Your own rounds and answers.")


def _label(report: RoundReport) -> str:
    return f"#{report.number}"


def _people_panel(reports: list[RoundReport], zone: ZoneInfo) -> Panel:
    labels = tuple(_label(report) for report in reports)
    series = (
        Series("Participants", tuple(float(r.participants) for r in reports)),
        Series("Pairs", tuple(float(r.pairs) for r in reports)),
        Series("Trios", tuple(float(r.trios) for r in reports)),
        Series("Repeats", tuple(float(r.repeats) for r in reports)),
    )
    rows = tuple(
        (_label(r), _day(r.scheduled_for, zone), r.participants, r.pairs, r.trios, r.repeats)
        for r in reports
    )
    return Panel(
        "People and groups",
        "Each round's participants, the pairs and trios it made, and how many groups paired "
        "people who had been paired before.",
        Table(("Round", "Date", "Participants", "Pairs", "Trios", "Repeats"), rows),
        Chart("bar", labels, series, "people") if reports else None,
    )


def _answers_panel(reports: list[RoundReport]) -> Panel:
    labels = tuple(_label(report) for report in reports)
    met = tuple(float(r.answers.met) for r in reports)
    not_met = tuple(float(r.answers.not_met) for r in reports)
    unanswered = tuple(float(r.answers.unanswered) for r in reports)
    rows = tuple(
        (_label(r), r.answers.met, r.answers.not_met, r.answers.unanswered) for r in reports
    )
    return Panel(
        "Did they meet?",
        "What each round's groups answered: met, couldn't meet, or no answer yet.",
        Table(("Round", "Met", "Couldn't meet", "No answer yet"), rows),
        Chart(
            "stacked",
            labels,
            (
                Series("Met", met),
                Series("Couldn't meet", not_met),
                Series("No answer yet", unanswered),
            ),
            "groups",
        )
        if reports
        else None,
    )


def _tracks_panel(reports: list[RoundReport]) -> Panel:
    labels = tuple(_label(report) for report in reports)
    shares = tuple(_percent(r.cross_track_share) for r in reports)
    rows = tuple(
        (_label(r), r.groups, r.cross_track, _percent(r.cross_track_share)) for r in reports
    )
    return Panel(
        "Across tracks",
        "The share of each round's groups that mixed tracks (backend with frontend), in percent.",
        Table(("Round", "Groups", "Across tracks", "Share (%)"), rows),
        Chart("line", labels, (Series("Across tracks (%)", shares),), "%") if reports else None,
    )
