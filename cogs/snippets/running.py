"""Running a snippet: which snippets can run, and handing one to the feature that runs code.

The snippets feature runs nothing itself. It hands the code to whichever loaded feature offers
`RunsCode` (bot.capabilities), which applies the guild's run policy and replies. The ▶ Run
button is decided here from the snippet's language key alone: the languages below are those the
code runner's jail runs, named by the keys of the snippets' language table (languages.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from bot.capabilities import CodeToRun, RunsCode, capability, offered

if TYPE_CHECKING:
    import discord

    from cogs.snippets.records import SnippetRecord

RUNNABLE_LANGUAGES: Final = frozenset({"python", "sql", "javascript", "bash"})
NO_RUNNER: Final = "Running code isn't available right now."


def can_run(client: object, language: str) -> bool:
    """Whether a snippet in `language` gets a ▶ Run button: a runnable language, and a loaded
    feature that runs code."""
    if language not in RUNNABLE_LANGUAGES:
        return False
    return offered(client, RunsCode) is not None


async def run_snippet(interaction: discord.Interaction, record: SnippetRecord, stdin: str) -> None:
    """Hand the snippet to the code runner, which answers the interaction."""
    runner = capability(interaction, RunsCode, NO_RUNNER)
    await runner.run_for_member(
        interaction,
        CodeToRun(
            code=record.code,
            language=record.language,
            stdin=stdin,
            snippet_id=record.id,
            title=record.title,
        ),
    )
