"""The Worker upload: its modules as parts, the ``metadata`` part, and the multipart form.

The form has a ``metadata`` part (main module or body part, compatibility date and flags,
bindings from vars, secrets and raw bindings, ``keep_bindings`` for secrets) and one part
per module, named by its path relative to the entry's folder, with the Content-Type that
gives its module type (https://developers.cloudflare.com/workers/configuration/
multipart-upload-metadata/).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cfaction.errors import ActionError
from cfaction.ops.base import Notice
from cfaction.ops.worker.inputs import WorkerInputs
from cfaction.ops.worker.modules import CONTENT_TYPES

MAX_RAW_BYTES = 64 * 1024 * 1024
MAX_GZIP_BYTES = 10 * 1024 * 1024
FREE_GZIP_BYTES = 3 * 1024 * 1024
"""Worker size limits (https://developers.cloudflare.com/workers/platform/limits/#worker-size)."""
KEEP_SECRET_TYPES = ["secret_text", "secret_key"]

Form = list[tuple[str, tuple[str | None, bytes | str, str]]]
"""Multipart parts as ``requests`` takes them: (field, (file name, content, type))."""


@dataclass(frozen=True)
class Part:
    name: str
    content_type: str
    data: bytes


def read_parts(worker: WorkerInputs) -> list[Part]:
    """The entry module first, then every other module."""
    entry_type = CONTENT_TYPES.get(worker.entry.suffix, "application/javascript+module")
    if worker.format == "service-worker":
        entry_type = "application/javascript"
    parts = [Part(worker.part_name(worker.entry), entry_type, worker.entry.read_bytes())]
    for path in worker.modules:
        parts.append(Part(worker.part_name(path), CONTENT_TYPES[path.suffix], path.read_bytes()))
    return parts


def check_sizes(parts: Sequence[Part]) -> list[Notice]:
    """Refuse a Worker above every plan's limits; warn above the Free plan's."""
    raw = sum(len(p.data) for p in parts)
    packed = sum(len(gzip.compress(p.data, compresslevel=6)) for p in parts)
    if raw > MAX_RAW_BYTES or packed > MAX_GZIP_BYTES:
        raise ActionError(
            f"The Worker is {raw / 1e6:.1f} MB ({packed / 1e6:.1f} MB gzipped); Cloudflare "
            "accepts at most 64 MB, and 10 MB gzipped on paid plans (3 MB on Free). Upload "
            "only what the Worker imports (modules), and minify the build.",
            title="Worker size",
        )
    if packed > FREE_GZIP_BYTES:
        return [
            Notice(
                "Worker size",
                f"The Worker is {packed / 1e6:.1f} MB gzipped: above the Free plan's 3 MB limit "
                "(paid plans allow 10 MB).",
            )
        ]
    return []


def build_metadata(worker: WorkerInputs, parts: Sequence[Part]) -> dict[str, Any]:
    bindings: list[dict[str, Any]] = []
    for name, value in worker.vars.items():
        if isinstance(value, str):
            bindings.append({"type": "plain_text", "name": name, "text": value})
        else:
            bindings.append({"type": "json", "name": name, "json": value})
    for name, value in worker.secrets.items():
        bindings.append({"type": "secret_text", "name": name, "text": value})
    bindings.extend(dict(b) for b in worker.bindings)
    metadata: dict[str, Any] = {
        "compatibility_date": worker.compatibility_date,
        "compatibility_flags": list(worker.compatibility_flags),
        "bindings": bindings,
    }
    entry = parts[0].name
    if worker.format == "service-worker":
        metadata["body_part"] = entry
    else:
        metadata["main_module"] = entry
    if worker.keep_secrets:
        metadata["keep_bindings"] = KEEP_SECRET_TYPES
    return metadata


def form(parts: Sequence[Part], metadata: Mapping[str, Any]) -> Form:
    """The multipart form of an upload."""
    files: Form = [("metadata", (None, json.dumps(metadata), "application/json"))]
    files += [(p.name, (p.name, p.data, p.content_type)) for p in parts]
    return files
