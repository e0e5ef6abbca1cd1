"""Access and refresh tokens (bot/web/jwt_tokens.py) and their signing key (jwt_secret.py):
what a valid token says, and every way a token can be wrong."""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from bot.clock import FrozenClock
from bot.config import ConfigError, Settings, load_settings
from bot.web.jwt_secret import SECRET_FILE, jwt_secret, secret_file
from bot.web.jwt_tokens import EXPIRED, INVALID, InvalidToken, JwtCodec

SECRET = b"a test key that is long enough for HS256 (32+)"
START = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def codec(clock: FrozenClock) -> JwtCodec:
    return JwtCodec(SECRET, clock)


def _segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _refused(codec: JwtCodec, token: str, typ: Any = "access") -> str:
    with pytest.raises(InvalidToken) as refused:
        codec.read(token, typ)
    return str(refused.value)


def test_an_access_token_carries_the_member_the_guild_the_tier_and_lives_15_minutes(
    codec: JwtCodec,
) -> None:
    token, issued = codec.issue("access", 42, 7, "triager")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert {key: claims[key] for key in ("sub", "guild", "tier", "typ")} == {
        "sub": "42",
        "guild": "7",
        "tier": "triager",
        "typ": "access",
    }
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert codec.read(token, "access") == issued
    assert (issued.user_id, issued.guild_id, issued.expires_at) == (
        42,
        7,
        START + timedelta(minutes=15),
    )


def test_each_token_has_its_own_id(codec: JwtCodec) -> None:
    first, _ = codec.issue("refresh", 1, 2, "member")
    second, _ = codec.issue("refresh", 1, 2, "member")
    assert codec.read(first, "refresh").jti != codec.read(second, "refresh").jti


def test_a_token_expires_by_the_injected_clock(codec: JwtCodec, clock: FrozenClock) -> None:
    access, _ = codec.issue("access", 1, 2, "member")
    refresh, _ = codec.issue("refresh", 1, 2, "member")
    clock.advance(timedelta(minutes=14, seconds=59))
    codec.read(access, "access")
    clock.advance(timedelta(seconds=1))
    assert _refused(codec, access) == EXPIRED
    clock.advance(timedelta(days=30))
    assert _refused(codec, refresh, "refresh") == "This sign-in has expired; sign in again."


def test_alg_none_a_wrong_signature_and_edited_claims_are_refused(codec: JwtCodec) -> None:
    token, _ = codec.issue("access", 1, 2, "member")
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = {
        "alg none": f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "alg none, signed": jwt.encode(claims, None, algorithm="none"),
        "HS512": jwt.encode(claims, SECRET + b"!" * 20, algorithm="HS512"),
        "another key": jwt.encode(claims, b"another key that is long enough, 32+", "HS256"),
        "edited tier": f"{header}.{_segment({**claims, 'tier': 'moderator'})}.{signature}",
        "edited member": f"{header}.{_segment({**claims, 'sub': '99'})}.{signature}",
        "not a JWT": "a.b.c",
    }
    for kind, wrong in forged.items():
        assert (kind, _refused(codec, wrong)) == (kind, INVALID)


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "guild", "typ", "jti", "tier"])
def test_a_token_missing_a_required_claim_is_refused(codec: JwtCodec, missing: str) -> None:
    token, _ = codec.issue("access", 1, 2, "member")
    claims = jwt.decode(token, options={"verify_signature": False})
    del claims[missing]
    assert _refused(codec, jwt.encode(claims, SECRET, "HS256")) == INVALID


@pytest.mark.parametrize(
    ("claim", "value"), [("tier", "admin"), ("sub", "alice"), ("exp", "soon"), ("guild", None)]
)
def test_a_signed_token_with_a_claim_of_the_wrong_shape_is_refused(
    codec: JwtCodec, claim: str, value: Any
) -> None:
    token, _ = codec.issue("access", 1, 2, "member")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims[claim] = value
    assert _refused(codec, jwt.encode(claims, SECRET, "HS256")) == INVALID


def test_a_refresh_token_is_no_access_token_and_the_other_way_round(codec: JwtCodec) -> None:
    access, _ = codec.issue("access", 1, 2, "member")
    refresh, _ = codec.issue("refresh", 1, 2, "member")
    assert _refused(codec, refresh, "access").startswith("This is not an access token")
    assert _refused(codec, access, "refresh").startswith("This is not a refresh token")
    state = codec.sign_state(2, "nonce")
    assert _refused(codec, state, "access") == INVALID


def test_the_oauth_state_carries_the_guild_and_nonce_for_ten_minutes(
    codec: JwtCodec, clock: FrozenClock
) -> None:
    state = codec.sign_state(7, "n0nce")
    assert codec.read_state(state) == (7, "n0nce")
    access, _ = codec.issue("access", 1, 7, "member")
    with pytest.raises(InvalidToken):
        codec.read_state(access)
    with pytest.raises(InvalidToken):
        JwtCodec(b"another key that is long enough, 32+", clock).read_state(state)
    clock.advance(timedelta(minutes=10))
    with pytest.raises(InvalidToken, match="took too long"):
        codec.read_state(state)


def test_a_generated_key_is_owner_only_and_the_same_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "data" / SECRET_FILE
    first = secret_file(path)
    assert len(first) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_file(path) == first
    assert [entry.name for entry in path.parent.iterdir()] == [SECRET_FILE]


def test_a_key_file_left_readable_by_others_is_made_owner_only(tmp_path: Path) -> None:
    path = tmp_path / SECRET_FILE
    path.write_text("k" * 40)
    os.chmod(path, 0o644)
    assert secret_file(path) == b"k" * 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_key_file_too_short_to_sign_with_is_refused(tmp_path: Path) -> None:
    path = tmp_path / SECRET_FILE
    path.write_text("short")
    os.chmod(path, 0o600)
    with pytest.raises(OSError, match="no usable key"):
        secret_file(path)


def test_the_key_lives_beside_the_sqlite_file_unless_the_environment_names_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEXUS_CONFIG", raising=False)
    url = f"sqlite+aiosqlite:///{tmp_path / 'db' / 'nexus.db'}"
    made = jwt_secret(load_settings(None, database={"url": url}))
    assert (tmp_path / "db" / SECRET_FILE).read_bytes() == made
    monkeypatch.setenv("NEXUS_JWT_SECRET", "e" * 32)
    settings: Settings = load_settings(None, database={"url": url})
    assert jwt_secret(settings) == b"e" * 32
    monkeypatch.setenv("NEXUS_JWT_SECRET", "too short")
    with pytest.raises(ConfigError, match=r"web\.jwt_secret"):
        load_settings(None, database={"url": url})


@pytest.mark.parametrize(
    "text",
    [
        "web:\n  jwt_secret: " + "s" * 40 + "\n",
        "web:\n  oauth:\n    client_secret: abc\n",
    ],
)
def test_sign_in_secrets_in_the_config_file_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.delenv("NEXUS_JWT_SECRET", raising=False)
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="must not be stored in a file; set NEXUS_"):
        load_settings(path)
