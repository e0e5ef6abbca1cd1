"""Discord's message markup as a tree of plain nodes the page builds into DOM elements.

The page never turns a member's text into HTML: this module splits the text into nodes (text,
bold, code, a mention with its resolved name, a timestamp, a link) and the page's script makes
one element per node and sets its ``textContent``. Whatever the text holds, it stays text.

Nodes are small dicts (they travel as JSON): ``{"t": "text", "v": "…"}``, ``{"t": "b", "c":
[children]}`` (also ``i``, ``u``, ``s``), ``{"t": "code", "v": "…"}``, ``{"t": "pre", "v": "…",
"lang": "py"}``, ``{"t": "mention", "kind": "user", "v": "@ada"}``, ``{"t": "time", "unix": 0,
"style": "F", "v": "…"}`` and ``{"t": "link", "href": "https://…", "v": "label"}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

Node = dict[str, Any]
# (kind, id) → the name shown ("ada", "Moderators", "general"), or None when unknown.
NameOf = Callable[[str, int], str | None]

CODE_BLOCK: Final = re.compile(r"```(?:([\w+#.-]+)\n)?\n?(.*?)```", re.DOTALL)
INLINE: Final = re.compile(
    r"(?P<escaped>\\(?P<escaped_char>[\\*_~`<>\[\]|#@:-]))"
    r"|`(?P<code>[^`]+)`"
    r"|<@!?(?P<user>\d+)>|<@&(?P<role>\d+)>|<#(?P<channel>\d+)>"
    r"|<t:(?P<unix>-?\d{1,12})(?::(?P<style>[tTdDfFR]))?>"
    r"|\[(?P<label>[^\]\n]+)\]\(<?(?P<masked>https?://[^\s)>\"]+)>?\)"
    r"|<?(?P<url>https?://[^\s<>\"]*[^\s<>.,:;\"')\]])>?"
    r"|\*\*(?P<b>.+?)\*\*|__(?P<u>.+?)__|~~(?P<s>.+?)~~"
    r"|\*(?P<i>[^*\s](?:.*?[^*\s])?)\*|\b_(?P<i2>[^_\s](?:.*?[^_\s])?)_\b",
    re.DOTALL,
)
EMPHASIS: Final = {"b": "b", "u": "u", "s": "s", "i": "i", "i2": "i"}
MENTION_PREFIX: Final = {"user": "@", "role": "@", "channel": "#"}
UNKNOWN_NAME: Final = {"user": "unknown-user", "role": "deleted-role", "channel": "unknown"}
# How Discord writes each timestamp style (in the reader's zone; here UTC until the page's
# script shows it in the reader's own zone).
TIME_FORMATS: Final = {
    "t": "%H:%M",
    "T": "%H:%M:%S",
    "d": "%d/%m/%Y",
    "D": "%d %B %Y",
    "f": "%d %B %Y %H:%M",
    "F": "%A, %d %B %Y %H:%M",
    "R": "%d %B %Y %H:%M",
}
# Python's datetime covers years 1 to 9999; Discord shows nothing useful outside either.
LATEST_UNIX: Final = 253402300799


def parse(text: str, name_of: NameOf) -> list[Node]:
    """The nodes of a message's text: code blocks first (nothing inside them is markup)."""
    nodes: list[Node] = []
    position = 0
    for block in CODE_BLOCK.finditer(text):
        nodes.extend(parse_inline(text[position : block.start()], name_of))
        nodes.append({"t": "pre", "v": block.group(2), "lang": block.group(1) or ""})
        position = block.end()
    nodes.extend(parse_inline(text[position:], name_of))
    return nodes


def parse_inline(text: str, name_of: NameOf) -> list[Node]:
    """Inline markup: escapes, code, mentions, timestamps, links and emphasis (nested)."""
    nodes: list[Node] = []
    position = 0
    for match in INLINE.finditer(text):
        if match.start() > position:
            _add_text(nodes, text[position : match.start()])
        node = _node(match, name_of)
        if node["t"] == "text":
            _add_text(nodes, node["v"])
        else:
            nodes.append(node)
        position = match.end()
    if position < len(text):
        _add_text(nodes, text[position:])
    return nodes


def _node(match: re.Match[str], name_of: NameOf) -> Node:
    groups = {key: value for key, value in match.groupdict().items() if value is not None}
    if "escaped_char" in groups:
        return {"t": "text", "v": groups["escaped_char"]}
    if "code" in groups:
        return {"t": "code", "v": groups["code"]}
    for kind in ("user", "role", "channel"):
        if kind in groups:
            name = name_of(kind, int(groups[kind])) or UNKNOWN_NAME[kind]
            return {"t": "mention", "kind": kind, "v": MENTION_PREFIX[kind] + name}
    if "unix" in groups:
        return timestamp(int(groups["unix"]), groups.get("style") or "f", match.group(0))
    if "masked" in groups:
        return {"t": "link", "href": groups["masked"], "v": groups["label"]}
    if "url" in groups:
        return {"t": "link", "href": groups["url"], "v": groups["url"]}
    for group, tag in EMPHASIS.items():
        if group in groups:
            return {"t": tag, "c": parse_inline(groups[group], name_of)}
    return {"t": "text", "v": match.group(0)}


def timestamp(unix: int, style: str, raw: str) -> Node:
    """A ``<t:…>`` timestamp: the date in UTC, and the numbers the page localises."""
    if not -62135596800 <= unix <= LATEST_UNIX:
        return {"t": "text", "v": raw}
    when = datetime.fromtimestamp(unix, UTC)
    shown = when.strftime(TIME_FORMATS[style]) + ("" if style in "dD" else " UTC")
    return {"t": "time", "unix": unix, "style": style, "v": shown, "iso": when.isoformat()}


def _add_text(nodes: list[Node], value: str) -> None:
    """Plain text, merged with the text before it (escapes split it otherwise)."""
    if nodes and nodes[-1]["t"] == "text":
        nodes[-1]["v"] += value
    else:
        nodes.append({"t": "text", "v": value})
