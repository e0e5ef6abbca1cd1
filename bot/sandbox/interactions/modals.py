"""A modal the bot opened, and the MODAL_SUBMIT data a person filling it in sends back."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import SandboxError
from bot.sandbox.interactions.pending import ACTION_ROW, LABEL, SELECT_TYPES, TEXT_INPUT
from bot.sandbox.render import render_modal

JSON = dict[str, Any]


class Modal:
    """A modal the bot opened: its title, custom_id and fields (custom_id → properties)."""

    def __init__(self, payload: JSON) -> None:
        self.payload = payload
        self.title: str = str(payload.get("title", ""))
        self.custom_id: str = str(payload.get("custom_id", ""))
        self.fields: dict[str, JSON] = {}
        for component, label, description in _modal_inputs(payload.get("components") or []):
            info = dict(component)
            info.setdefault("label", label)
            if description is not None:
                info.setdefault("description", description)
            info.setdefault("value", component.get("value"))
            info.setdefault("required", True)
            self.fields[str(component.get("custom_id"))] = info

    def field_id(self, key: str) -> str:
        """Find a field by custom_id, then by label (exact, then case-insensitive)."""
        if key in self.fields:
            return key
        for custom_id, info in self.fields.items():
            if info.get("label") == key:
                return custom_id
        for custom_id, info in self.fields.items():
            if str(info.get("label", "")).lower() == key.lower():
                return custom_id
        raise SandboxError(f"modal {self.title!r} has no field {key!r}; fields: {self.describe()}")

    def describe(self) -> str:
        return ", ".join(f"{cid} ({info.get('label')})" for cid, info in self.fields.items())

    @property
    def text(self) -> str:
        return render_modal(self.title, self.fields)

    def __repr__(self) -> str:
        return f"<Modal {self.title!r} fields={list(self.fields)}>"


def _modal_inputs(components: list[JSON]) -> list[tuple[JSON, str | None, str | None]]:
    """Text inputs and selects of a modal with their label (from a Label wrapper if any)."""
    out: list[tuple[JSON, str | None, str | None]] = []
    for component in components:
        kind = component.get("type")
        if kind == LABEL and isinstance(component.get("component"), dict):
            out.append(
                (component["component"], component.get("label"), component.get("description"))
            )
        elif kind == ACTION_ROW:
            for child in component.get("components") or []:
                if child.get("type") == TEXT_INPUT or child.get("type") in SELECT_TYPES:
                    out.append((child, child.get("label"), None))
    return out


def modal_submission(modal: Modal, values: dict[str, Any]) -> list[JSON]:
    """``data.components`` of a MODAL_SUBMIT, mirroring the modal's own structure."""
    chosen = {modal.field_id(key): value for key, value in values.items()}
    rows: list[JSON] = []
    for component in modal.payload.get("components") or []:
        if component.get("type") == LABEL and isinstance(component.get("component"), dict):
            inner = _submitted(component["component"], chosen, modal)
            rows.append({"type": LABEL, "id": component.get("id", 0), "component": inner})
        elif component.get("type") == ACTION_ROW:
            children = [
                _submitted(child, chosen, modal)
                for child in component.get("components") or []
                if child.get("custom_id")
            ]
            rows.append({"type": ACTION_ROW, "components": children})
    return rows


def _submitted(component: JSON, chosen: dict[str, Any], modal: Modal) -> JSON:
    custom_id = str(component.get("custom_id"))
    info = modal.fields.get(custom_id, {})
    if component.get("type") in SELECT_TYPES:
        picked = chosen.get(custom_id, [])
        values = [
            str(getattr(v, "id", v)) for v in (picked if isinstance(picked, list) else [picked])
        ]
        return {"type": component["type"], "custom_id": custom_id, "values": values}
    value = str(chosen.get(custom_id, info.get("value") or ""))
    if info.get("required", True) and not value:
        raise SandboxError(f"modal field {custom_id!r} ({info.get('label')}) is required")
    if len(value) < int(info.get("min_length") or 0):
        raise SandboxError(
            f"modal field {custom_id!r} needs at least {info['min_length']} characters"
        )
    if info.get("max_length") is not None and len(value) > int(info["max_length"]):
        raise SandboxError(
            f"modal field {custom_id!r} allows at most {info['max_length']} characters"
        )
    return {
        "type": TEXT_INPUT,
        "id": component.get("id", 0),
        "custom_id": custom_id,
        "value": value,
    }
