"""What `python -m bot check` says about running code: which engine, which languages can run
and why the others cannot. Informational: running code being off is a valid set-up."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp

from bot.runner.factory import build_runner

if TYPE_CHECKING:
    from bot.config import RunnerSettings

ENGINES = {
    "local": "the local jail (bubblewrap)",
    "piston": "a Piston server",
    "judge0": "a Judge0 server",
    "off": "off",
}


async def describe_runner(settings: RunnerSettings) -> list[str]:
    """Lines for the report: the engine, then one line per language."""
    async with aiohttp.ClientSession() as session:
        runner = build_runner(settings, lambda: session)
        try:
            await runner.start()
            lines = [f"code runner: {ENGINES[settings.backend]}"]
            reason = runner.unavailable_reason
            if reason is not None:
                return [*lines, f"      - nothing can run: {reason}"]
            for status in runner.languages():
                verdict = "runs" if status.available else f"cannot run: {status.reason}"
                lines.append(f"      - {status.label}: {verdict}")
            return lines
        finally:
            await runner.close()
