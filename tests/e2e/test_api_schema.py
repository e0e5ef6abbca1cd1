"""Schemathesis drives every operation of the API's document against the running bot, with
requests generated from the document itself (valid and invalid ones): nothing answers 500, and
every answer matches what the document declares for it (status, media type, schema).

It runs as Schemathesis's command line against the bot's real HTTP port, while the bot serves
from this test's event loop, with a moderator's write token (the widest reach).
NEXUS_SCHEMATHESIS_SECONDS bounds it (default 45; 0 skips it, as the later runs of scripts/test
do: the contract does not change with the clock or the database)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_api import base, make_token, share

SECONDS = int(os.environ.get("NEXUS_SCHEMATHESIS_SECONDS", "45"))
SEED = int(os.environ.get("NEXUS_SCHEMATHESIS_SEED", "20261206"))
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


@pytest.mark.slow
@pytest.mark.skipif(SECONDS <= 0, reason="NEXUS_SCHEMATHESIS_SECONDS is 0")
async def test_generated_requests_never_break_the_api_or_its_documented_shapes(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tmp_path: Path
) -> None:
    bot = await start_nexus(
        web={"enabled": True, "host": "127.0.0.1", "port": 0, "api_requests_per_minute": 100_000},
        snippets={"shares_per_minute": 100_000},
    )
    await share(sandbox, world, "Seed snippet")
    token = await make_token(sandbox, world, "write", user=world.mod)
    schemathesis = Path(sys.executable).with_name("st")
    # Every operation is under one guild: pin it to the guild the token belongs to, so the
    # generated requests get past the guild check and reach the routes' own validation.
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.guild_id" = "{world.guild.id}"\n')
    process = await asyncio.create_subprocess_exec(
        str(schemathesis),
        "--config-file",
        str(config),
        "run",
        f"{base(bot)}/api/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--seed",
        str(SEED),
        "--max-time",
        str(SECONDS),
        "--max-examples",
        "25",
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--generation-database",
        "none",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
    )
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    counts = [
        line.strip() for line in text.splitlines() if "generated" in line or "Tested:" in line
    ]
    print(f"Schemathesis, seed {SEED}: " + "; ".join(counts))
    assert process.returncode == 0, text[-6000:]
