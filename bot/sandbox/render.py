"""Plain-text renderings of messages, embeds, components and modals.

Used by ``InteractionResult.text`` (so tests can assert on what a person would read) and by the
terminal REPL. The format is stable and deliberately simple: one block per message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from bot.sandbox.message_validation import walk_components

if TYPE_CHECKING:
    from bot.sandbox.attachments import Attachment

JSON = dict[str, Any]


class Shown(Protocol):
    """What a person sees of a message (``model.Message`` is one; it renders itself here)."""

    @property
    def content(self) -> str: ...

    @property
    def embeds(self) -> list[JSON]: ...

    @property
    def attachments(self) -> list[Attachment]: ...

    @property
    def components(self) -> list[JSON]: ...


BUTTON, SELECT_TYPES, TEXT_DISPLAY, TEXT_INPUT = 2, frozenset({3, 5, 6, 7, 8}), 10, 4


def clickable(components: list[JSON]) -> list[JSON]:
    """Buttons a person can press (enabled, not links), in display order."""
    return [
        c
        for c in walk_components(components)
        if c.get("type") == BUTTON and c.get("custom_id") and not c.get("disabled")
    ]


def button_label(button: JSON) -> str:
    emoji = button.get("emoji") or {}
    parts = [str(emoji.get("name") or "") if not emoji.get("id") else f":{emoji.get('name')}:"]
    parts.append(str(button.get("label") or ""))
    return " ".join(p for p in parts if p) or str(button.get("custom_id", "?"))


def render_embed(embed: JSON) -> list[str]:
    lines: list[str] = []
    author = (embed.get("author") or {}).get("name")
    if author:
        lines.append(f"│ {author}")
    if embed.get("title"):
        lines.append(f"│ **{embed['title']}**")
    if embed.get("description"):
        lines.extend(f"│ {line}" for line in str(embed["description"]).splitlines())
    for fld in embed.get("fields") or []:
        lines.append(f"│ {fld.get('name', '')}: {fld.get('value', '')}")
    footer = (embed.get("footer") or {}).get("text")
    if footer:
        lines.append(f"│ — {footer}")
    return lines


def render_components(components: list[JSON], *, numbered_from: int | None = None) -> list[str]:
    """Buttons (numbered ``[1] ⭐ Star`` from ``numbered_from``), selects and text displays."""
    lines: list[str] = []
    buttons: list[str] = []
    number = numbered_from
    for component in walk_components(components):
        kind = component.get("type")
        if kind == BUTTON:
            label = button_label(component)
            if component.get("url"):
                buttons.append(f"<{label}: {component['url']}>")
            elif (
                number is not None and component.get("custom_id") and not component.get("disabled")
            ):
                buttons.append(f"[{number}] {label}")
                number += 1
            else:
                suffix = " (disabled)" if component.get("disabled") else ""
                buttons.append(f"[{label}{suffix}]")
        elif kind in SELECT_TYPES:
            options = ", ".join(str(o.get("label")) for o in component.get("options") or [])
            placeholder = component.get("placeholder") or component.get("custom_id")
            lines.append(f"▾ {placeholder}" + (f": {options}" if options else ""))
        elif kind == TEXT_DISPLAY:
            lines.append(str(component.get("content", "")))
    if buttons:
        lines.append("  ".join(buttons))
    return lines


def render_message(message: Shown, *, numbered_from: int | None = None) -> str:
    """Content, embeds, attachment names and components of one message."""
    lines: list[str] = []
    if message.content:
        lines.append(message.content)
    for embed in message.embeds:
        lines.extend(render_embed(embed))
    for attachment in message.attachments:
        lines.append(f"📎 {attachment.filename} ({attachment.size} bytes)")
    lines.extend(render_components(message.components, numbered_from=numbered_from))
    return "\n".join(lines)


def render_modal(title: str, fields: dict[str, JSON]) -> str:
    """A modal's title and its fields with their prefill values."""
    lines = [f"⧉ {title}"]
    for custom_id, info in fields.items():
        label = info.get("label") or custom_id
        value = info.get("value") or ""
        required = "" if info.get("required", True) is False else " *"
        lines.append(f"  {label}{required}: {value}")
    return "\n".join(lines)
