"""`python -m bot sandbox --web` as people run it: it prints the playground's address, serves
the page there, and the terminal prompt still answers."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import aiohttp

from bot.web.pages.headers import CONTENT_SECURITY_POLICY
from tests.e2e.processes import REPO
from tests.e2e.test_process import start_process

ADDRESS = re.compile(r"Playground: open (http://127\.0\.0\.1:\d+/) in a browser\.")


async def test_the_sandbox_with_web_prints_the_playgrounds_address_and_serves_it(
    tmp_path: Path,
) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
    }
    process = await start_process(
        env, "sandbox", "--web", "--database", "sqlite+aiosqlite:///demo.db"
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        found = None
        while found is None:
            line = await asyncio.wait_for(process.stdout.readline(), timeout=90)
            assert line, "the sandbox ended before printing the playground's address"
            found = ADDRESS.search(line.decode())
        async with aiohttp.ClientSession() as client, client.get(found.group(1)) as page:
            assert page.status == 200
            assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
            html = await page.text()
        assert "Nexus playground" in html
        assert '<a href="/?as=' in html and ">general</a>" in html
        stdout, stderr = await asyncio.wait_for(
            process.communicate(b"/nexus ping\nquit\n"), timeout=60
        )
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert "Pong!" in stdout.decode()
