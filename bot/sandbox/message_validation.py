"""Validate message bodies the way Discord does: content, embed and component limits.

Errors use Discord's nested "Invalid Form Body" shape (see ``FormErrors``).
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import FormErrors

JSON = dict[str, Any]

MAX_CONTENT = 2000
MAX_EMBEDS = 10
EMBED_LIMITS = {"title": 256, "description": 4096}
MAX_FIELDS = 25
MAX_EMBED_TOTAL = 6000
MAX_CUSTOM_ID = 100
MAX_ROWS = 5


def validate_message(payload: JSON, *, files: int = 0) -> FormErrors:
    """Content, embed and component limits; an empty new message is rejected elsewhere."""
    errors = FormErrors()
    content = payload.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        errors.add(
            ("content",), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CONTENT} or fewer in length."
        )
    embeds = payload.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        errors.add(("embeds",), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length.")
    for index, embed in enumerate(embeds):
        _validate_embed(embed, errors, ("embeds", index))
    _validate_components(
        payload.get("components") or [], errors, ("components",), payload.get("flags", 0)
    )
    return errors


def is_empty_message(payload: JSON, files: int) -> bool:
    return not (
        payload.get("content")
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
        or files
    )


def _validate_embed(embed: JSON, errors: FormErrors, path: tuple[str | int, ...]) -> None:
    total = 0
    for key, limit in EMBED_LIMITS.items():
        value = embed.get(key)
        if isinstance(value, str):
            total += len(value)
            if len(value) > limit:
                errors.add(
                    (*path, key), "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
                )
    fields = embed.get("fields") or []
    if len(fields) > MAX_FIELDS:
        errors.add(
            (*path, "fields"), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_FIELDS} or fewer in length."
        )
    for index, fld in enumerate(fields):
        name, value = str(fld.get("name", "")), str(fld.get("value", ""))
        total += len(name) + len(value)
        if not 1 <= len(name) <= 256:
            errors.add(
                (*path, "fields", index, "name"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 256 in length.",
            )
        if not 1 <= len(value) <= 1024:
            errors.add(
                (*path, "fields", index, "value"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 1024 in length.",
            )
    footer = (embed.get("footer") or {}).get("text") or ""
    author = (embed.get("author") or {}).get("name") or ""
    total += len(footer) + len(author)
    if len(footer) > 2048:
        errors.add(
            (*path, "footer", "text"), "BASE_TYPE_MAX_LENGTH", "Must be 2048 or fewer in length."
        )
    if len(author) > 256:
        errors.add(
            (*path, "author", "name"), "BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length."
        )
    if total > MAX_EMBED_TOTAL:
        errors.add(path, "MESSAGE_EMBED_TOO_LARGE", "Embed size exceeds maximum size of 6000")


def _validate_components(
    components: list[JSON], errors: FormErrors, path: tuple[str | int, ...], flags: int
) -> None:
    # Components V2 (flag 1<<15) lifts the 5-row rule; classic messages keep it.
    if not flags & (1 << 15) and len(components) > MAX_ROWS:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ROWS} or fewer in length.")
    for index, component in enumerate(_walk_components(components)):
        custom_id = component.get("custom_id")
        if isinstance(custom_id, str) and not 1 <= len(custom_id) <= MAX_CUSTOM_ID:
            errors.add(
                (*path, index, "custom_id"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        label = component.get("label")
        if component.get("type") == 2 and isinstance(label, str) and len(label) > 80:
            errors.add(
                (*path, index, "label"), "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length."
            )


def _walk_components(components: list[JSON]) -> list[JSON]:
    out: list[JSON] = []
    for component in components:
        out.append(component)
        out.extend(_walk_components(component.get("components") or []))
        if isinstance(component.get("component"), dict):
            out.extend(_walk_components([component["component"]]))
        if isinstance(component.get("accessory"), dict):
            out.append(component["accessory"])
    return out


def walk_components(components: list[JSON]) -> list[JSON]:
    """Every component at any depth (rows, sections, labels, containers), in display order."""
    return _walk_components(components)
