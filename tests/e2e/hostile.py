"""Hypothesis strategies for what a hostile member can really send Discord's way.

Values follow the synced option schema the way Discord's client enforces it (type, min/max length,
min/max value, choices), so every generated call is one Discord could deliver; inside those
bounds the text mixes mentions, markdown, invisible and right-to-left characters, query syntax,
path traversal and URLs. URLs name only 127.0.0.1 or ``.invalid`` hosts: nothing a test sends
could reach past the loopback interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from bot.sandbox.attachments import Attachment

JSON = dict[str, Any]

# Discord's own caps on what a client can send.
STRING_OPTION_MAX = 6000
INTEGER_OPTION_MAX = 2**53 - 1  # Discord refuses integer options outside ±(2^53 - 1)
NUMBER_OPTION_MAX = 2.0**53
TEXT_INPUT_MAX = 4000
MESSAGE_MAX = 2000
# Typed into a text box (autocomplete, string ids), nothing bounds it: past SQLite's INTEGER.
HUGE_ID_TEXT = "99999999999999999999"
UNUSED_LOOPBACK_PORT = 9  # discard: nothing listens there, a connection is refused at once

STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)


@dataclass(frozen=True)
class Cast:
    """The guild's people, roles and channels a generated value may name."""

    members: tuple[Any, ...]
    strangers: tuple[Any, ...]  # users who are not members of the guild
    roles: tuple[Any, ...]
    channels: tuple[Any, ...]

    def mention_fragments(self) -> list[str]:
        users = [f"<@{u.id}>" for u in (*self.members, *self.strangers)]
        nick = [f"<@!{u.id}>" for u in self.members[:2]]
        roles = [f"<@&{r.id}>" for r in self.roles]
        channels = [f"<#{c.id}>" for c in self.channels[:2]]
        return ["@everyone", "@here", "@\u200beveryone", *users, *nick, *roles, *channels]


MARKDOWN = [
    "```",
    "```py\n",
    "`",
    "``",
    "**bold**",
    "__",
    "~~",
    "||spoiler||",
    "> quote",
    "# heading",
    "-# small",
    "* ",
    "[click](http://127.0.0.1:9/)",
    "<t:99999999999999:F>",
    "\\",
    "\n",
]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"]
RIGHT_TO_LEFT = ["\u202e", "\u202b", "\u200f", "\u2067", "שלום", "مرحبا", "\u202egnp.exe"]
COMBINING = ["e\u0301", "Z\u0335\u0321\u0327\u031b\u0354\u0353", "\u0301\u0301\u0301", "a\u20dd"]
EMOJI = ["🚀", "👩\u200d💻", "🏳️\u200d🌈", "🇫🇷", "<:nexus:123456789012345678>", "✅", "𝕏"]
QUERY_SYNTAX = [
    '" OR 1=1 --',
    "' OR '1'='1",
    "'; DROP TABLE snippets; --",
    "NEAR(",
    "NEAR(a b, -1)",
    "*",
    '"*"',
    "AND",
    "OR NOT",
    "^",
    "title:",
    "{a b}",
    "%",
    "_",
    "\\x00",
    "$1",
    "?",
    ":name",
    "-",
]
TRAVERSAL = ["../../../etc/passwd", "..\\..\\boot.ini", "/etc/shadow", "%2e%2e%2f", "~/.ssh/id_rsa"]
LOOPBACK_URLS = [
    f"http://127.0.0.1:{UNUSED_LOOPBACK_PORT}/openapi.json",
    "http://127.0.0.1:1/",
    "ftp://127.0.0.1/x",
    "file:///etc/passwd",
    "javascript:alert(1)",
    f"http://[::ffff:127.0.0.1]:{UNUSED_LOOPBACK_PORT}/",
    f"http://127.0.0.1:{UNUSED_LOOPBACK_PORT}/../../admin?q=%00",
]
# Only where the bot shows text, never where it fetches: resolving a name could leave the host.
UNRESOLVABLE_URLS = ["https://api.nexus.invalid/openapi.yaml", "http://nexus.invalid:8080/../x"]
FETCHED_OPTIONS = frozenset({"spec_url"})
FORMAT_SYNTAX = ["{0}", "{}", "%s", "%(x)s", "${x}", "{{7*7}}", "<script>", "&amp;", "None", "NaN"]
NUMBERS = ["0", "-1", "1", "9007199254740993", HUGE_ID_TEXT, "-" + HUGE_ID_TEXT, "1e309", "0x10"]
TIMEZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]
BAD_TIMEZONES = ["Mars/Olympus", "../../etc/localtime", "UTC+25", "Etc/GMT+99", "", " ", "utc"]
DATES = [
    "2026-12-01 09:00",
    "in 2h",
    "tomorrow 9am",
    "next monday",
    "in 5 minutes",
    "1999-01-01",
    "1970-01-01 00:00",
    "yesterday",
    "9999-12-31 23:59",
    "in 10000 years",
    "2026-02-30",
    "25:61",
    "never",
    "0000-00-00",
    "-1 days",
]
CRONS = ["0 9 * * 1", "*/5 * * * *", "0 0 1 * *", "* * * * *", "61 25 * * *", "0 0 30 2 *"]
REPEATS = ["none", "daily", "weekly", "monthly", "0 9 * * 1-5", "yearly", "every 0 seconds"]
ENDPOINTS = ["GET /api/jobs", "POST /api/jobs/{id}", "DELETE /", "get /api/../../admin", "/x"]
LANGUAGES = ["python", "py", "javascript", "rust", "sql", "brainfuck", "x" * 40]


def fragments(cast: Cast, *, fetched: bool = False) -> list[str]:
    urls = LOOPBACK_URLS if fetched else LOOPBACK_URLS + UNRESOLVABLE_URLS
    return [
        *cast.mention_fragments(),
        *MARKDOWN,
        *INVISIBLE,
        *RIGHT_TO_LEFT,
        *COMBINING,
        *EMOJI,
        *QUERY_SYNTAX,
        *TRAVERSAL,
        *urls,
        *FORMAT_SYNTAX,
        *NUMBERS,
    ]


def plain_characters(*, newlines: bool) -> st.SearchStrategy[str]:
    """Any printable text (no surrogates or control characters; newlines only where typeable)."""
    return st.characters(
        exclude_categories=("Cs", "Cc"), include_characters="\n" if newlines else None
    )


def hostile_text(
    cast: Cast,
    *,
    min_size: int = 0,
    max_size: int = 200,
    newlines: bool = False,
    fetched: bool = False,
) -> st.SearchStrategy[str]:
    """Text of ``min_size``..``max_size`` characters built from hostile fragments.

    ``fetched``: the bot may fetch it as a URL, so only loopback URLs appear.
    """
    pool = fragments(cast, fetched=fetched)
    pieces = st.one_of(
        st.sampled_from(pool),
        st.text(plain_characters(newlines=newlines), min_size=1, max_size=8),
    )
    mixed = st.lists(pieces, max_size=8).map("".join)
    # Right at the limit: a fragment repeated to exactly max_size characters.
    full = st.sampled_from(pool).map(lambda f: f * (max_size // max(len(f), 1) + 1))
    return st.one_of(mixed, mixed, mixed, full).map(
        lambda text: fit(text, min_size, max_size, newlines=newlines)
    )


def fit(text: str, min_size: int, max_size: int, *, newlines: bool = False) -> str:
    if not newlines:
        text = text.replace("\n", " ")
    text = text[:max_size]
    if len(text) < max(min_size, 1):
        text = text + "x" * (max(min_size, 1) - len(text))
    return text


def semantic_strings(name: str, cast: Cast) -> list[str]:
    """Values a real user would type into an option of this name, good and bad."""
    by_name: dict[str, list[str]] = {
        "timezone": TIMEZONES + BAD_TIMEZONES,
        "when": DATES,
        "until": DATES,
        "cron": CRONS,
        "repeat": REPEATS,
        "endpoint": ENDPOINTS,
        "spec_url": LOOPBACK_URLS,
        "language": LANGUAGES,
        "id": ["1", "2", "3", "#1", HUGE_ID_TEXT, "-5", "abc"],
        "duplicate_of": ["1", "2", "#3", HUGE_ID_TEXT, "0"],
        "key": ["timezone", "channels.snippets", "pairing.schedule", "roles.moderator", "nope"],
        "value": ["UTC", "0 9 * * 1", str(cast.channels[0].id), "<#1>", "true", "-1"],
        "extension": ["cogs.snippets", "cogs.nope", "os", "../cogs/admin", "bot.app"],
        "tags": ["python, async", "a,,b,,,", "#tag " * 20],
        "name": ["jobs", "jobs api", "x"],
    }
    return by_name.get(name, [])


@dataclass(frozen=True)
class KnownId:
    """ "An id that exists when the call is made": the n-th of the ids stored then.

    Which ids exist depends on what earlier calls did, so the choice is drawn as a plain index
    and resolved at call time: every draw stays independent of the bot's state, as hypothesis
    needs to replay a seed.
    """

    index: int
    prefix: str = ""  # "#" for feedback numbers typed the way the bot shows them
    as_text: bool = False

    def resolve(self, known_ids: list[int]) -> int | str:
        value = known_ids[self.index % len(known_ids)] if known_ids else 1
        return f"{self.prefix}{value}" if self.as_text else value


def known_id(*, as_text: bool) -> st.SearchStrategy[KnownId]:
    prefix = st.sampled_from(["", "#"]) if as_text else st.just("")
    return st.builds(KnownId, st.integers(0, 10_000), prefix, st.just(as_text))


def resolve_known_ids(options: JSON, known_ids: list[int]) -> JSON:
    return {
        name: value.resolve(known_ids) if isinstance(value, KnownId) else value
        for name, value in options.items()
    }


def string_option(option: JSON, cast: Cast) -> st.SearchStrategy[str | KnownId]:
    low = int(option.get("min_length") or 0)
    high = min(int(option.get("max_length") or STRING_OPTION_MAX), STRING_OPTION_MAX)
    name = option["name"]
    hostile = hostile_text(cast, min_size=low, max_size=high, fetched=name in FETCHED_OPTIONS)
    known = [v for v in semantic_strings(name, cast) if low <= len(v) <= high and v]
    choices: list[st.SearchStrategy[Any]] = [hostile]
    if known:
        choices.append(st.sampled_from(known))
    if name in ("id", "duplicate_of"):  # feedback numbers are typed as text
        choices += [known_id(as_text=True)] * 2
    return st.one_of(*choices)


def integer_option(option: JSON) -> st.SearchStrategy[int | KnownId]:
    low = option.get("min_value")
    high = option.get("max_value")
    lo = int(low) if low is not None else -INTEGER_OPTION_MAX
    hi = int(high) if high is not None else INTEGER_OPTION_MAX
    edges = sorted({lo, hi, max(lo, min(hi, 0)), max(lo, min(hi, 1)), max(lo, min(hi, -1))})
    edges += [v for v in (lo + 1, hi - 1) if lo <= v <= hi]
    choices: list[st.SearchStrategy[Any]] = [st.sampled_from(edges), st.integers(lo, hi)]
    if option["name"] == "id" and low is None and high is None:
        choices += [known_id(as_text=False)] * 3
    return st.one_of(*choices)


def attachment(cast: Cast) -> st.SearchStrategy[Attachment]:
    names = st.sampled_from(
        ["snippet.py", "../../etc/passwd", "a" * 200 + ".js", "résumé.rs", "x", ".env", "é.txt"]
    )
    text_bodies = hostile_text(cast, max_size=3000, newlines=True).map(str.encode)
    binary = st.binary(max_size=48)
    big = st.sampled_from([b"print(1)\n" * 40_000, b"\xff\xfe" + b"\x00" * 1000])
    bodies = st.one_of(text_bodies, text_bodies, binary, big)
    types = st.sampled_from(["text/x-python", "text/plain", "application/octet-stream", None])
    return st.builds(Attachment, names, bodies, types)


def option_value(option: JSON, cast: Cast) -> st.SearchStrategy[Any]:
    """Any value Discord's client would accept for this synced option."""
    kind = option["type"]
    choices = option.get("choices")
    if choices:
        return st.sampled_from([c["value"] for c in choices])
    if kind == STRING:
        return string_option(option, cast)
    if kind == INTEGER:
        return integer_option(option)
    if kind == NUMBER:
        low = option.get("min_value")
        high = option.get("max_value")
        return st.floats(
            -NUMBER_OPTION_MAX if low is None else low,
            NUMBER_OPTION_MAX if high is None else high,
            allow_nan=False,
            allow_infinity=False,
        )
    if kind == BOOLEAN:
        return st.booleans()
    if kind == USER:
        # Discord offers any user it knows, members or not; a third are not members here.
        members = st.sampled_from(cast.members)
        return st.one_of(members, members, st.sampled_from(cast.strangers))
    if kind == ROLE:
        return st.sampled_from(cast.roles)
    if kind == MENTIONABLE:
        return st.sampled_from([*cast.members, *cast.roles])
    if kind == CHANNEL:
        allowed = option.get("channel_types")
        usable = [c for c in cast.channels if not allowed or c.type in allowed]
        return st.sampled_from(usable)
    if kind == ATTACHMENT:
        return attachment(cast)
    raise AssertionError(f"no strategy for option type {kind}")


@st.composite
def options_for(draw: st.DrawFn, schema: list[JSON], cast: Cast) -> JSON:
    """Every required option and a random subset of the optional ones."""
    chosen: JSON = {}
    for option in schema:
        if option.get("required") or draw(st.booleans()):
            chosen[option["name"]] = draw(option_value(option, cast))
    return chosen


def typed_text(name: str, cast: Cast) -> st.SearchStrategy[str]:
    """What someone types into an autocompleted box (Discord caps what it sends at 100)."""
    known = semantic_strings(name, cast)
    return st.one_of(
        st.just(HUGE_ID_TEXT),
        st.sampled_from([*known, "", " ", HUGE_ID_TEXT, "-" + HUGE_ID_TEXT] if known else [""]),
        hostile_text(cast, max_size=100),
    )


@dataclass(frozen=True)
class Fill:
    """What a member types into one text input of whatever modal comes up."""

    text: str
    semantic: int | None  # the n-th value a real user would type for the field, if any

    def value(self, custom_id: str, info: JSON, cast: Cast) -> str:
        low = int(info.get("min_length") or 0)
        if info.get("required", True):
            low = max(low, 1)
        high = int(info.get("max_length") or TEXT_INPUT_MAX)
        known = [
            v for v in semantic_strings(custom_id.rsplit(":", 1)[-1], cast) if low <= len(v) <= high
        ]
        if known and self.semantic is not None:
            return known[self.semantic % len(known)]
        return fit(self.text, low, high, newlines=info.get("style") == 2)


def fills(cast: Cast) -> st.SearchStrategy[list[Fill]]:
    """One fill per text input a modal can have (Discord allows 5)."""
    fill = st.builds(
        Fill,
        hostile_text(cast, max_size=TEXT_INPUT_MAX, newlines=True),
        st.one_of(st.none(), st.integers(0, 100)),
    )
    return st.lists(fill, min_size=5, max_size=5)


def modal_values(fields: dict[str, JSON], planned: list[Fill], cast: Cast) -> dict[str, str]:
    """A value for every text input of a modal, inside its declared lengths."""
    inputs = [(cid, info) for cid, info in fields.items() if info.get("type") == 4]
    return {
        custom_id: planned[i % len(planned)].value(custom_id, info, cast)
        for i, (custom_id, info) in enumerate(inputs)
    }


def hostile_message(cast: Cast) -> st.SearchStrategy[tuple[str, list[Attachment]]]:
    """What a member posts for others to run a message menu on: code blocks, files, noise."""
    body = hostile_text(cast, max_size=600, newlines=True)
    fenced = st.tuples(st.sampled_from(["", "py", "js", "```", "sql"]), body).map(
        lambda pair: f"```{pair[0]}\n{pair[1]}\n```"
    )
    content = st.one_of(body, fenced, st.tuples(body, fenced).map("\n".join)).map(
        lambda text: text[:MESSAGE_MAX]
    )
    files = st.lists(attachment(cast), max_size=2)
    return st.tuples(content, files)


def extremes(option: JSON, cast: Cast) -> list[Any]:
    """The values at the edges of one option, to try one at a time (the others kept plain).

    Every choice; for text, every value a user would type for it (good and bad), the longest
    allowed text of mentions and fences, and the longest run of inner spaces; for numbers, each
    bound (Discord's own when none is declared); non-members for users.
    """
    kind = option["type"]
    if option.get("choices"):
        return [c["value"] for c in option["choices"]]
    if kind == STRING:
        low = int(option.get("min_length") or 0)
        high = min(int(option.get("max_length") or STRING_OPTION_MAX), STRING_OPTION_MAX)
        mentions = "".join(cast.mention_fragments()) + "```" + "".join(RIGHT_TO_LEFT)
        spaced = "1" + " " * max(high - 2, 0) + "1"
        values = [*semantic_strings(option["name"], cast), HUGE_ID_TEXT]
        values = [v for v in values if low <= len(v) <= high and v]
        return [*values, fit(mentions * (high // len(mentions) + 1), low, high), spaced[:high]]
    if kind == INTEGER:
        low, high = option.get("min_value"), option.get("max_value")
        return [
            int(low) if low is not None else -INTEGER_OPTION_MAX,
            int(high) if high is not None else INTEGER_OPTION_MAX,
        ]
    if kind == BOOLEAN:
        return [True, False]
    if kind in (USER, MENTIONABLE):
        return [*cast.strangers, cast.members[0]]
    if kind == ROLE:
        return list(cast.roles)
    if kind == CHANNEL:
        allowed = option.get("channel_types")
        return [c for c in cast.channels if not allowed or c.type in allowed][:1]
    if kind == ATTACHMENT:
        return [
            Attachment("../../etc/passwd", b"print(1)\n" * 40_000, "text/x-python"),
            Attachment("blob.bin", b"\xff\xfe\x00" * 100, "application/octet-stream"),
        ]
    return []
