"""Configuration: YAML + environment, validated into Settings, with one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DISCORD_TOKEN", "DATABASE_URL", "DISCORD_API_URL", "DISCORD_GATEWAY_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NEXUS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_need_no_file() -> None:
    settings = load_settings()
    assert settings.database.url == "sqlite+aiosqlite:///data/nexus.db"
    assert settings.discord.api_url == "https://discord.com/api/v10"
    assert settings.discord_token is None


def test_example_file_is_valid_and_documents_the_defaults() -> None:
    example = load_settings(REPO / "data" / "config.example.yaml")
    assert example == load_settings()


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "web:\n  port: 9000\nlog:\n  level: debug\n")
    monkeypatch.setenv("NEXUS_WEB__PORT", "9100")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u:p@localhost/nexus")
    monkeypatch.setenv("DISCORD_API_URL", "http://127.0.0.1:8000/api/v10")
    settings = load_settings(path)
    assert settings.web.port == 9100
    assert settings.log.level == "DEBUG"
    assert settings.database.url == "postgresql+asyncpg://u:p@localhost/nexus"
    assert settings.discord.api_url == "http://127.0.0.1:8000/api/v10"


def test_nexus_config_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "timezone: Europe/Berlin\n")
    monkeypatch.setenv("NEXUS_CONFIG", str(path))
    assert load_settings().timezone == "Europe/Berlin"


def test_token_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc.def.ghi")
    settings = load_settings()
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "abc.def.ghi"
    assert "abc.def.ghi" not in repr(settings)
    assert "abc.def.ghi" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("colour: blue\n", "colour: unknown setting"),
        ("web:\n  port: lots\n", "web.port:"),
        ("timezone: Mars/Olympus\n", "timezone: unknown time zone 'Mars/Olympus'"),
        ("database:\n  url: mysql://x\n", "database.url:"),
        ("discord:\n  gateway_url: http://x\n", "discord.gateway_url:"),
        ("discord_token: abc\n", "must not be stored in a file"),
        ("web: [1, 2\n", "not valid YAML"),
        ("- 1\n- 2\n", "top level must be a mapping"),
    ],
)
def test_bad_config_names_the_key_and_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    message = str(raised.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_fetch_allow_takes_hosts_and_ranges_from_file_or_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().fetch.allow == []
    path = write(tmp_path, 'fetch:\n  allow: ["127.0.0.1/32", specs.internal]\n')
    assert load_settings(path).fetch.allow == ["127.0.0.1/32", "specs.internal"]
    monkeypatch.setenv("NEXUS_FETCH__ALLOW", '["10.20.0.0/16"]')
    assert load_settings(path).fetch.allow == ["10.20.0.0/16"]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("10.0.0.1/8", "fetch.allow: '10.0.0.1/8' has bits set past its prefix length"),
        ("http://specs.internal/", "fetch.allow: 'http://specs.internal/' is neither a host"),
    ],
)
def test_a_bad_fetch_allow_entry_is_named(tmp_path: Path, entry: str, expected: str) -> None:
    path = write(tmp_path, f'fetch:\n  allow: ["{entry}"]\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert expected in str(raised.value)


def test_bad_config_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "web:\n  prot: 80\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "run"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == f"nexus: configuration error: {path}: web.prot: unknown setting"


def test_run_without_token_explains_what_to_do(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "DISCORD_TOKEN" in done.stderr
    assert "python -m bot sandbox" in done.stderr


def test_each_feature_brings_its_own_section_and_the_core_names_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`snippets:` and the like are declared by the features (cogs/<feature>/settings.py), yet a
    misspelt key in them is refused before the bot starts, as in the core's own sections."""
    from bot.config import ConfigSection, Settings
    from cogs.snippets.settings import FileSettings, file_settings

    assert not {"snippets", "pairing", "feedback", "announcements"} & set(Settings.model_fields)
    monkeypatch.setenv("NEXUS_SNIPPETS__MAX_FILE_BYTES", "2048")
    settings = load_settings(None, pairing={"queue_wait_minutes": 30})
    assert file_settings(settings).max_file_bytes == 2048
    assert settings.pairing.queue_wait_minutes == 30  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match=r"snippets\.max_file_byte: unknown setting"):
        load_settings(None, snippets={"max_file_byte": 1})
    with pytest.raises(ConfigError, match=r"pairing\.queue_wait_minutes"):
        load_settings(None, pairing={"queue_wait_minutes": 0})

    # /admin reload imports the feature again: a new class with the same fields still reads
    # what the file said.
    class Reloaded(ConfigSection):
        shares_per_minute: int = 5
        max_file_bytes: int = 100_000
        search_index_directory: Path = Path("data/search")
        search_changes_kept: int = 100_000

    assert settings.section("snippets", Reloaded).max_file_bytes == 2048
    assert isinstance(file_settings(settings), FileSettings)
