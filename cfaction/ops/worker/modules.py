"""Worker modules: the module type of a file, and how an entry's format is recognised."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

CONTENT_TYPES: Final[Mapping[str, str]] = {
    ".js": "application/javascript+module",
    ".mjs": "application/javascript+module",
    ".cjs": "application/javascript",
    ".wasm": "application/wasm",
    ".txt": "text/plain",
    ".html": "text/plain",
    ".bin": "application/octet-stream",
    ".map": "application/source-map",
    ".py": "text/x-python",
}
"""Module types by file ending, as Content-Types of the upload's parts
(https://developers.cloudflare.com/workers/configuration/multipart-upload-metadata/)."""

ES_MODULE: Final = re.compile(
    r"(^|\n)\s*(export\s+(default|\{|\*|const|let|var|function|class|async)"
    r"|import\s+[\w{*'\"])"
)
"""Source that uses ``export`` or ``import`` statements: an ES module, not a service worker."""
