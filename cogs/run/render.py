"""How a run's result looks in Discord: one embed with stdout and stderr told apart, the exit
status, the time taken and any limit hit; output too long to show goes along as files.

Output is only ever shown inside code blocks made by bot.code_blocks (backticks in it cannot
close the fence) and inside an embed, where mentions never ping.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import discord

from bot.code_blocks import truncate_code_block
from bot.formatters import plural
from bot.markdown import safe_truncate
from bot.runner.records import LimitHit
from bot.text import EMBED_TITLE_LIMIT

if TYPE_CHECKING:
    from bot.runner.records import RunLimits, RunResult

# Room in the description (4,096) for each stream; what does not fit goes out as a file.
STDOUT_SHOWN: Final = 2_600
STDERR_SHOWN: Final = 1_200
NOTE: Final = "… (full output attached)"

SUCCESS_COLOUR: Final = discord.Colour.green()
FAILURE_COLOUR: Final = discord.Colour.red()
LIMIT_COLOUR: Final = discord.Colour.orange()


@dataclass
class RenderedRun:
    embed: discord.Embed
    files: list[discord.File] = field(default_factory=list)


def describe_limit(limit: LimitHit, limits: RunLimits) -> str:
    """ "cpu time (2 s)": the limit and its size, so the member knows what they ran into."""
    size = {
        LimitHit.CPU_TIME: f"{limits.cpu_seconds:g} s",
        LimitHit.WALL_TIME: f"{limits.wall_seconds:g} s",
        LimitHit.MEMORY: f"{limits.memory_mb} MB",
        LimitHit.OUTPUT: f"{limits.output_bytes // 1000:,} KB",
        LimitHit.FILE_SIZE: f"{limits.file_size_mb} MB",
        LimitHit.PROCESSES: plural(limits.processes, "process", "processes"),
    }[limit]
    return f"{limit.value} ({size})"


def exit_status(result: RunResult) -> str:
    if result.signal is not None:
        return f"killed by {result.signal}"
    return f"exit code {result.exit_code}"


def format_run_time(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _colour(result: RunResult) -> discord.Colour:
    if result.limits_hit:
        return LIMIT_COLOUR
    return SUCCESS_COLOUR if result.succeeded else FAILURE_COLOUR


def _stream(name: str, text: str, budget: int, files: list[discord.File]) -> str:
    """`**stdout**` and its text in a code block; the whole text as a file when cut. The last
    line break is not shown: it would be an empty line at the end of the block."""
    block, cut = truncate_code_block(text.removesuffix("\n"), "", budget, note=NOTE)
    if cut:
        files.append(discord.File(io.BytesIO(text.encode()), filename=f"{name}.txt"))
    return f"**{name}**\n{block}"


def result_message(
    *,
    run_id: int,
    language_label: str,
    title: str | None,
    result: RunResult,
    limits: RunLimits,
) -> RenderedRun:
    files: list[discord.File] = []
    parts = []
    if result.stdout or not result.stderr:
        parts.append(_stream("stdout", result.stdout or "(no output)", STDOUT_SHOWN, files))
    if result.stderr:
        parts.append(_stream("stderr", result.stderr, STDERR_SHOWN, files))
    heading = f"▶ {title}" if title else f"▶ {language_label}"
    embed = discord.Embed(
        title=safe_truncate(heading, EMBED_TITLE_LIMIT),
        description="\n".join(parts),
        colour=_colour(result),
    )
    embed.add_field(name="Result", value=exit_status(result))
    embed.add_field(name="Time", value=format_run_time(result.duration_seconds))
    if result.limits_hit:
        hit = ", ".join(describe_limit(limit, limits) for limit in sorted(result.limits_hit))
        embed.add_field(name="Limit hit", value=hit, inline=False)
    if result.output_truncated:
        embed.add_field(
            name="Output",
            value=f"cut at {limits.output_bytes // 1000:,} KB",
            inline=False,
        )
    embed.set_footer(text=f"run {run_id} · {language_label}")
    return RenderedRun(embed, files)


def queued_line(position: int) -> str:
    if position <= 1:
        return "⏳ All runners are busy; yours is next in the queue."
    return f"⏳ All runners are busy; yours is number {position} in the queue."
