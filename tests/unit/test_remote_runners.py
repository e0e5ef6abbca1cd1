"""The Piston and Judge0 engines against fake servers on 127.0.0.1 that answer as the real APIs
document: what the engines send (fields, units, token) and what each verdict becomes."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.runner import judge0, piston
from bot.runner.judge0 import Judge0Engine
from bot.runner.piston import PistonEngine
from bot.runner.records import LimitHit, RunLimits, RunnerUnavailable, RunRequest
from tests.remote_engines import FakeJudge0, FakePiston, closed_port_url, serving

TOKEN = "s3cret-token-value"
LIMITS = RunLimits(
    cpu_seconds=2.0,
    wall_seconds=5.0,
    memory_mb=256,
    processes=32,
    file_size_mb=2,
    output_bytes=1_000_000,
)
PISTON_RUNTIMES: list[dict[str, Any]] = [
    {"language": "python", "version": "2.7.18", "aliases": ["py2"]},
    {"language": "python", "version": "3.9.4", "aliases": ["py", "python3"]},
    {"language": "python", "version": "3.12.0", "aliases": ["py", "python3"]},
    {"language": "python", "version": "3.13.0-alpha.1", "aliases": ["py"]},
    {"language": "sqlite3", "version": "3.36.0", "aliases": ["sqlite", "sql"]},
    {"language": "javascript", "version": "1.32.3", "aliases": ["deno-js"], "runtime": "deno"},
    {"language": "javascript", "version": "20.11.1", "aliases": ["js"], "runtime": "node"},
    {"language": "javascript", "version": "18.15.0", "aliases": ["js"], "runtime": "node"},
    {"language": "bash", "version": "5.2.0", "aliases": ["sh"]},
]
JUDGE0_LANGUAGES: list[dict[str, Any]] = [
    {"id": 46, "name": "Bash (5.0.0)"},
    {"id": 63, "name": "JavaScript (Node.js 12.14.0)"},
    {"id": 93, "name": "JavaScript (Node.js 18.15.0)"},
    {"id": 70, "name": "Python (2.7.17)"},
    {"id": 71, "name": "Python (3.8.1)"},
    {"id": 92, "name": "Python (3.11.2)"},
    {"id": 82, "name": "SQL (SQLite 3.27.2)"},
]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def started_piston(
    fake: FakePiston, session: aiohttp.ClientSession, token: str | None = None
) -> PistonEngine:
    engine = PistonEngine(fake.url, session, token)
    await engine.start()
    return engine


async def started_judge0(
    fake: FakeJudge0, session: aiohttp.ClientSession, token: str | None = None
) -> Judge0Engine:
    engine = Judge0Engine(fake.url, session, token)
    await engine.start()
    return engine


@pytest.fixture
async def fake_piston() -> AsyncIterator[FakePiston]:
    fake = FakePiston(runtimes=list(PISTON_RUNTIMES))
    async with serving(fake, fake.app()):
        yield fake


@pytest.fixture
async def fake_judge0() -> AsyncIterator[FakeJudge0]:
    fake = FakeJudge0(languages=list(JUDGE0_LANGUAGES))
    async with serving(fake, fake.app()):
        yield fake


# ---- Piston ---------------------------------------------------------------------------------


async def test_piston_start_picks_the_newest_python_3_and_node(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    engine = await started_piston(fake_piston, session)
    assert engine.unavailable_reason is None
    by_name = {status.name: status for status in engine.languages()}
    assert [status.name for status in engine.languages()] == ["python", "sql", "javascript", "bash"]
    assert all(status.available for status in by_name.values())
    assert by_name["python"].label == "Python 3.12.0"
    assert by_name["javascript"].label == "JavaScript (Node.js 20.11.1)"
    assert by_name["sql"].label == "SQL (SQLite 3.36.0)"


async def test_piston_without_a_runtime_says_which_is_missing(
    session: aiohttp.ClientSession,
) -> None:
    fake = FakePiston(runtimes=[r for r in PISTON_RUNTIMES if r["language"] != "bash"])
    async with serving(fake, fake.app()):
        engine = await started_piston(fake, session)
        bash = next(status for status in engine.languages() if status.name == "bash")
        assert not bash.available
        assert bash.reason == f"The Piston server at {fake.url} has no Bash runtime."
        with pytest.raises(RunnerUnavailable, match="has no Bash runtime"):
            await engine.execute(RunRequest("bash", "echo hi"), LIMITS)
    assert [seen.path for seen in fake.seen] == ["/api/v2/runtimes"]


async def test_piston_run_sends_the_documented_fields_in_its_units(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    fake_piston.token = TOKEN
    fake_piston.verdict = {"stdout": "hello\n", "output": "hello\n", "wall_time": 250}
    engine = await started_piston(fake_piston, session, TOKEN)
    result = await engine.execute(RunRequest("python", "print('hello')", stdin="x"), LIMITS)
    sent = fake_piston.seen[-1]
    assert sent.headers["Authorization"] == TOKEN
    assert sent.headers["Content-Type"].startswith("application/json")
    assert sent.body == {
        "language": "python",
        "version": "3.12.0",
        "files": [{"name": "main.py", "content": "print('hello')"}],
        "stdin": "x",
        "args": [],
        "run_timeout": 5000,
        "run_cpu_time": 2000,
        "run_memory_limit": 256 * 1024 * 1024,
    }
    assert (result.stdout, result.stderr, result.exit_code, result.signal) == (
        "hello\n",
        "",
        0,
        None,
    )
    assert result.succeeded
    assert result.duration_seconds == pytest.approx(0.25)


async def test_piston_sql_runs_the_fixture_first(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    engine = await started_piston(fake_piston, session)
    await engine.execute(
        RunRequest("sql", "SELECT * FROM t;", fixture="CREATE TABLE t(x);\n"), LIMITS
    )
    body = fake_piston.seen[-1].body
    assert (body["language"], body["version"]) == ("sqlite3", "3.36.0")
    assert body["files"][0]["content"] == "CREATE TABLE t(x);\nSELECT * FROM t;"


async def test_piston_non_zero_exit_keeps_stderr_and_code(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    fake_piston.verdict = {"stderr": "Traceback …\nNameError\n", "code": 1, "status": "RE"}
    engine = await started_piston(fake_piston, session)
    result = await engine.execute(RunRequest("python", "boom"), LIMITS)
    assert (result.exit_code, result.signal, result.stderr) == (1, None, "Traceback …\nNameError\n")
    assert not result.succeeded
    assert result.limits_hit == frozenset()


async def test_piston_signal_is_named_and_has_no_exit_code(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    fake_piston.verdict = {"code": None, "signal": "SIGSEGV", "status": "SG"}
    engine = await started_piston(fake_piston, session)
    result = await engine.execute(RunRequest("bash", "kill -SEGV $$"), LIMITS)
    assert (result.exit_code, result.signal, result.limits_hit) == (None, "SIGSEGV", frozenset())


@pytest.mark.parametrize(
    ("message", "hit"),
    [
        ("Time limit exceeded", LimitHit.CPU_TIME),
        ("Time limit exceeded (wall clock)", LimitHit.WALL_TIME),
    ],
)
async def test_piston_time_limit_says_which_clock(
    fake_piston: FakePiston, session: aiohttp.ClientSession, message: str, hit: LimitHit
) -> None:
    fake_piston.verdict = {"code": None, "signal": "SIGKILL", "status": "TO", "message": message}
    engine = await started_piston(fake_piston, session)
    result = await engine.execute(RunRequest("python", "while True: pass"), LIMITS)
    assert result.limits_hit == {hit}
    assert result.signal == "SIGKILL"


async def test_piston_kill_at_the_memory_limit_is_a_memory_hit(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    fake_piston.verdict = {
        "code": None,
        "signal": "SIGKILL",
        "status": "SG",
        "memory": 256 * 1024 * 1024,
    }
    engine = await started_piston(fake_piston, session)
    result = await engine.execute(RunRequest("python", "x = 'a' * 10**10"), LIMITS)
    assert result.limits_hit == {LimitHit.MEMORY}


async def test_piston_output_limit_on_the_server_is_an_output_hit(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    fake_piston.verdict = {
        "stdout": "y\n" * 512,
        "code": None,
        "signal": "SIGKILL",
        "status": "OL",
        "message": "stdout length exceeded",
    }
    engine = await started_piston(fake_piston, session)
    result = await engine.execute(RunRequest("bash", "yes"), LIMITS)
    assert result.limits_hit == {LimitHit.OUTPUT}
    assert result.output_truncated


async def test_piston_output_over_our_cap_is_cut_on_a_character(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    fake_piston.verdict = {"stdout": "é" * 50, "stderr": "warning"}
    engine = await started_piston(fake_piston, session)
    limits = RunLimits(output_bytes=41)
    result = await engine.execute(RunRequest("python", "print('é' * 50)"), limits)
    assert result.stdout == "é" * 20
    assert result.stderr == ""
    assert result.output_truncated
    assert result.limits_hit == {LimitHit.OUTPUT}


async def test_piston_failed_compile_shows_as_stderr(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    fake_piston.compile_stage = {
        "stdout": "",
        "stderr": "main.ts(1,1): error TS1005\n",
        "output": "main.ts(1,1): error TS1005\n",
        "code": 2,
        "signal": None,
    }
    engine = await started_piston(fake_piston, session)
    result = await engine.execute(RunRequest("javascript", "let ="), LIMITS)
    assert (result.stdout, result.stderr, result.exit_code) == (
        "",
        "main.ts(1,1): error TS1005\n",
        2,
    )


async def test_piston_limits_above_the_servers_are_asked_again_within_them(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    fake_piston.configured = {"run_timeout": 3000, "run_cpu_time": 1500}
    engine = await started_piston(fake_piston, session)
    first = await engine.execute(RunRequest("python", "print(1)"), LIMITS)
    executes = [seen for seen in fake_piston.seen if seen.path == "/api/v2/execute"]
    assert len(executes) == 3
    assert (executes[-1].body["run_timeout"], executes[-1].body["run_cpu_time"]) == (3000, 1500)
    assert first.exit_code == 0
    await engine.execute(RunRequest("python", "print(2)"), LIMITS)
    executes = [seen for seen in fake_piston.seen if seen.path == "/api/v2/execute"]
    assert len(executes) == 4


async def test_piston_other_refusal_is_shown_to_the_member(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    engine = await started_piston(fake_piston, session)
    fake_piston.runtimes.clear()
    with pytest.raises(
        RunnerUnavailable, match=re.escape("refused the run: python-3.12.0 runtime is unknown")
    ):
        await engine.execute(RunRequest("python", "print(1)"), LIMITS)


async def test_piston_internal_error_is_unavailable(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    fake_piston.verdict = {"status": "XX", "code": None, "message": "box error"}
    engine = await started_piston(fake_piston, session)
    with pytest.raises(RunnerUnavailable, match="failed on its side"):
        await engine.execute(RunRequest("python", "print(1)"), LIMITS)


async def test_piston_runtimes_that_are_not_a_list_make_it_unavailable(
    fake_piston: FakePiston, session: aiohttp.ClientSession
) -> None:
    fake_piston.runtimes = {"message": "hello"}  # type: ignore[assignment]
    engine = await started_piston(fake_piston, session)
    assert engine.unavailable_reason is not None
    assert "cannot read" in engine.unavailable_reason
    assert not any(status.available for status in engine.languages())


# ---- Judge0 ---------------------------------------------------------------------------------


async def test_judge0_start_picks_the_newest_python_3_and_node(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession
) -> None:
    engine = await started_judge0(fake_judge0, session)
    assert engine.unavailable_reason is None
    labels = {status.name: status.label for status in engine.languages()}
    assert labels == {
        "python": "Python (3.11.2)",
        "sql": "SQL (SQLite 3.27.2)",
        "javascript": "JavaScript (Node.js 18.15.0)",
        "bash": "Bash (5.0.0)",
    }


async def test_judge0_without_a_language_says_which_is_missing(
    session: aiohttp.ClientSession,
) -> None:
    fake = FakeJudge0(languages=[lang for lang in JUDGE0_LANGUAGES if lang["id"] != 82])
    async with serving(fake, fake.app()):
        engine = await started_judge0(fake, session)
        sql = next(status for status in engine.languages() if status.name == "sql")
        assert sql.reason == f"The Judge0 server at {fake.url} has no SQL (SQLite) language."
        with pytest.raises(RunnerUnavailable, match="has no SQL"):
            await engine.execute(RunRequest("sql", "SELECT 1;"), LIMITS)


async def test_judge0_run_sends_base64_and_limits_in_its_units(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession
) -> None:
    fake_judge0.token = TOKEN
    fake_judge0.verdict = {"stdout": "hello " * 30 + "\n", "wall_time": "0.25"}
    engine = await started_judge0(fake_judge0, session, TOKEN)
    result = await engine.execute(
        RunRequest("sql", "SELECT 'é';", stdin="in", fixture="CREATE TABLE t(x);"), LIMITS
    )
    sent = fake_judge0.seen[-1]
    assert sent.headers["X-Auth-Token"] == TOKEN
    assert (sent.query["base64_encoded"], sent.query["wait"]) == ("true", "true")
    assert base64.b64decode(sent.body.pop("source_code")).decode() == (
        "CREATE TABLE t(x);\nSELECT 'é';"
    )
    assert base64.b64decode(sent.body.pop("stdin")).decode() == "in"
    assert sent.body == {
        "language_id": 82,
        "redirect_stderr_to_stdout": False,
        "cpu_time_limit": 2.0,
        "wall_time_limit": 5.0,
        "memory_limit": 256 * 1024,
        "max_processes_and_or_threads": 32,
        "max_file_size": 2 * 1024,
    }
    assert result.stdout == "hello " * 30 + "\n"
    assert (result.exit_code, result.signal, result.succeeded) == (0, None, True)
    assert result.duration_seconds == pytest.approx(0.25)


async def test_judge0_limits_are_kept_within_config_info(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession
) -> None:
    engine = await started_judge0(fake_judge0, session)
    big = RunLimits(memory_mb=8192, file_size_mb=64, wall_seconds=0.5, processes=4096)
    result = await engine.execute(RunRequest("python", "print(1)"), big)
    body = fake_judge0.seen[-1].body
    assert (body["memory_limit"], body["max_file_size"]) == (512000, 4096)
    assert (body["wall_time_limit"], body["max_processes_and_or_threads"]) == (1.0, 120)
    assert result.succeeded


async def test_judge0_non_zero_exit_keeps_stderr_and_code(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession
) -> None:
    fake_judge0.verdict = {
        "status": {"id": 11, "description": "Runtime Error (NZEC)"},
        "stderr": "ReferenceError: x is not defined\n",
        "exit_code": 1,
        "message": "Exited with error status 1",
    }
    engine = await started_judge0(fake_judge0, session)
    result = await engine.execute(RunRequest("javascript", "x"), LIMITS)
    assert (result.exit_code, result.signal) == (1, None)
    assert result.stderr == "ReferenceError: x is not defined\n"
    assert result.limits_hit == frozenset()


async def test_judge0_signal_is_named_and_has_no_exit_code(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession
) -> None:
    fake_judge0.verdict = {
        "status": {"id": 7, "description": "Runtime Error (SIGSEGV)"},
        "exit_signal": 11,
        "message": "Caught fatal signal 11",
    }
    engine = await started_judge0(fake_judge0, session)
    result = await engine.execute(RunRequest("bash", "kill -SEGV $$"), LIMITS)
    assert (result.exit_code, result.signal) == (None, "SIGSEGV")


@pytest.mark.parametrize(
    ("message", "hit"),
    [
        ("Time limit exceeded", LimitHit.CPU_TIME),
        ("Time limit exceeded (wall clock)", LimitHit.WALL_TIME),
    ],
)
async def test_judge0_time_limit_says_which_clock(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession, message: str, hit: LimitHit
) -> None:
    fake_judge0.verdict = {
        "status": {"id": 5, "description": "Time Limit Exceeded"},
        "message": message,
    }
    engine = await started_judge0(fake_judge0, session)
    result = await engine.execute(RunRequest("python", "while True: pass"), LIMITS)
    assert result.limits_hit == {hit}
    assert (result.exit_code, result.signal) == (None, "SIGKILL")


async def test_judge0_kill_at_the_memory_limit_is_a_memory_hit(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession
) -> None:
    fake_judge0.verdict = {
        "status": {"id": 12, "description": "Runtime Error (Other)"},
        "exit_signal": 9,
        "memory": 256 * 1024,
    }
    engine = await started_judge0(fake_judge0, session)
    result = await engine.execute(RunRequest("python", "x = 'a' * 10**10"), LIMITS)
    assert result.limits_hit == {LimitHit.MEMORY}
    assert result.signal == "SIGKILL"


async def test_judge0_file_size_signal_is_a_file_size_hit(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession
) -> None:
    fake_judge0.verdict = {
        "status": {"id": 8, "description": "Runtime Error (SIGXFSZ)"},
        "exit_signal": 25,
    }
    engine = await started_judge0(fake_judge0, session)
    result = await engine.execute(RunRequest("bash", "yes > f"), LIMITS)
    assert result.limits_hit == {LimitHit.FILE_SIZE}
    assert result.signal == "SIGXFSZ"


async def test_judge0_compile_error_shows_as_stderr(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession
) -> None:
    fake_judge0.verdict = {
        "status": {"id": 6, "description": "Compilation Error"},
        "compile_output": "SyntaxError: invalid syntax\n",
        "exit_code": None,
        "time": None,
        "wall_time": None,
        "memory": None,
    }
    engine = await started_judge0(fake_judge0, session)
    result = await engine.execute(RunRequest("python", "def"), LIMITS)
    assert result.stderr == "SyntaxError: invalid syntax\n"
    assert result.exit_code == 1
    assert not result.succeeded


async def test_judge0_output_over_our_cap_is_cut(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession
) -> None:
    fake_judge0.verdict = {"stdout": "z" * 5000}
    engine = await started_judge0(fake_judge0, session)
    result = await engine.execute(RunRequest("bash", "yes z"), RunLimits(output_bytes=1024))
    assert result.stdout == "z" * 1024
    assert result.output_truncated
    assert result.limits_hit == {LimitHit.OUTPUT}


async def test_judge0_without_wait_polls_until_the_run_ends(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession
) -> None:
    assert fake_judge0.config is not None
    fake_judge0.config["enable_wait_result"] = False
    fake_judge0.processing_polls = 2
    fake_judge0.verdict = {"stdout": "done\n"}
    engine = await started_judge0(fake_judge0, session)
    result = await engine.execute(RunRequest("python", "print('done')"), LIMITS)
    assert result.stdout == "done\n"
    posts = [seen for seen in fake_judge0.seen if seen.method == "POST"]
    gets = [seen for seen in fake_judge0.seen if seen.path.startswith("/submissions/")]
    assert [post.query["wait"] for post in posts] == ["false"]
    assert len(gets) == 3
    assert gets[0].query["base64_encoded"] == "true"


async def test_judge0_refusing_to_wait_falls_back_to_polling(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession
) -> None:
    fake_judge0.config = None
    fake_judge0.verdict = {"stdout": "late\n"}
    engine = await started_judge0(fake_judge0, session)
    result = await engine.execute(RunRequest("python", "print('late')"), LIMITS)
    assert result.stdout == "late\n"
    posts = [seen for seen in fake_judge0.seen if seen.method == "POST"]
    assert [post.query["wait"] for post in posts] == ["true", "false"]


async def test_judge0_validation_refusal_is_shown_to_the_member(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession
) -> None:
    engine = await started_judge0(fake_judge0, session)
    fake_judge0.languages.clear()
    with pytest.raises(RunnerUnavailable, match="refused the run: language_id language with id"):
        await engine.execute(RunRequest("python", "print(1)"), LIMITS)


@pytest.mark.parametrize("status_id", [13, 14])
async def test_judge0_internal_errors_are_unavailable(
    fake_judge0: FakeJudge0, session: aiohttp.ClientSession, status_id: int
) -> None:
    fake_judge0.verdict = {"status": {"id": status_id, "description": "Internal Error"}}
    engine = await started_judge0(fake_judge0, session)
    with pytest.raises(RunnerUnavailable, match="failed on its side"):
        await engine.execute(RunRequest("python", "print(1)"), LIMITS)


# ---- Either engine: the server misbehaving ---------------------------------------------------

ENGINES = ["piston", "judge0"]


@pytest.mark.parametrize("kind", ENGINES)
async def test_a_server_that_is_down_makes_the_engine_unavailable(
    kind: str, session: aiohttp.ClientSession
) -> None:
    url = await closed_port_url()
    engine: PistonEngine | Judge0Engine = (
        PistonEngine(url, session, TOKEN) if kind == "piston" else Judge0Engine(url, session, TOKEN)
    )
    await engine.start()
    assert engine.unavailable_reason == (
        f"The code runner at {url} did not answer; try again later."
    )
    assert all(not status.available for status in engine.languages())
    with pytest.raises(RunnerUnavailable, match="did not answer"):
        await engine.execute(RunRequest("python", "print(1)"), LIMITS)


@pytest.mark.parametrize("kind", ENGINES)
@pytest.mark.parametrize(
    ("broken", "says"),
    [
        ("500", "did not answer; try again later."),
        ("garbage", "gave an answer Nexus cannot read; try again later."),
        ("huge", "gave an answer Nexus cannot read; try again later."),
        ("slow", "did not answer; try again later."),
    ],
)
async def test_a_misbehaving_server_is_a_friendly_error_without_the_token(
    kind: str,
    broken: str,
    says: str,
    session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The margin past the wall limit only shrinks so the slow server's test takes a second.
    monkeypatch.setattr(piston, "_MARGIN_SECONDS", 0.5)
    monkeypatch.setattr(judge0, "_MARGIN_SECONDS", 0.5)
    fake: FakePiston | FakeJudge0 = (
        FakePiston(runtimes=list(PISTON_RUNTIMES))
        if kind == "piston"
        else FakeJudge0(languages=list(JUDGE0_LANGUAGES))
    )
    fake.token = TOKEN
    async with serving(fake, fake.app()):
        engine: PistonEngine | Judge0Engine = (
            PistonEngine(fake.url, session, TOKEN)
            if kind == "piston"
            else Judge0Engine(fake.url, session, TOKEN)
        )
        await engine.start()
        assert engine.unavailable_reason is None
        fake.broken = broken
        with pytest.raises(RunnerUnavailable) as caught:
            await engine.execute(
                RunRequest("python", "print(1)"), RunLimits(wall_seconds=0.5, output_bytes=1024)
            )
    assert caught.value.message == f"The code runner at {fake.url} {says}"
    assert TOKEN not in caught.value.message


@pytest.mark.parametrize("kind", ENGINES)
async def test_a_wrong_token_asks_an_admin_to_check_it(
    kind: str, session: aiohttp.ClientSession
) -> None:
    fake: FakePiston | FakeJudge0 = (
        FakePiston(runtimes=list(PISTON_RUNTIMES))
        if kind == "piston"
        else FakeJudge0(languages=list(JUDGE0_LANGUAGES))
    )
    fake.token = TOKEN
    async with serving(fake, fake.app()):
        engine: PistonEngine | Judge0Engine = (
            PistonEngine(fake.url, session, "wrong-token")
            if kind == "piston"
            else Judge0Engine(fake.url, session, "wrong-token")
        )
        await engine.start()
    assert engine.unavailable_reason is not None
    assert "runner.token" in engine.unavailable_reason
    assert "wrong-token" not in engine.unavailable_reason
