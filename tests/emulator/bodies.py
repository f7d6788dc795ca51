"""Reading request bodies: JSON, or multipart/form-data with ``payload_json`` and ``files[n]``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from .constants import ErrorCode
from .errors import DiscordError


@dataclass
class Upload:
    field: str
    filename: str
    content_type: str
    data: bytes

    @property
    def index(self) -> int | None:
        if self.field.startswith("files[") and self.field.endswith("]"):
            return int(self.field[6:-1])
        return None


async def read_body(request: web.Request) -> tuple[Any, list[Upload]]:
    """The JSON payload (None if there was no body) and any uploaded files."""
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        uploads: list[Upload] = []
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            name = part.name or ""
            filename = part.filename
            if name == "payload_json":
                payload = _parse_json(data)
            elif filename is not None or name.startswith("files["):
                content_type = part.headers.get("Content-Type", "application/octet-stream")
                uploads.append(Upload(name, filename or name, content_type, bytes(data)))
        return payload, uploads
    raw = await request.read()
    if not raw:
        return None, []
    return _parse_json(raw), []


def _parse_json(raw: bytes | bytearray) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise DiscordError(400, ErrorCode.GENERAL, "400: Bad Request") from None
