"""Files: what a test hands to ``invoke`` or ``send_user_message``, and what messages carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]


@dataclass(eq=False)
class Attachment:
    """A file: what a test passes to ``invoke``/``send_user_message`` and what messages carry.

    ``id`` and ``url`` are filled in when the sandbox stores it; the bytes are served at ``url``.
    """

    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    id: int = 0
    url: str = ""
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    def to_payload(self) -> JSON:
        payload: JSON = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
            "height": None,
            "width": None,
            "ephemeral": self.ephemeral,
        }
        if self.content_type is not None:
            payload["content_type"] = self.content_type
        if self.description is not None:
            payload["description"] = self.description
        return payload
