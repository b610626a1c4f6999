"""The content type wrangler 4.125.0 uploads each static asset with.

wrangler takes it from the npm package ``mime@4.0.7`` (``mime.getType``, broofa/mime
``src/Mime.ts``) in workers-sdk ``packages/workers-shared/utils/helpers.ts``
``getContentType``, which adds ``; charset=utf-8`` to a ``text/*`` type that names no
charset; ``packages/deploy-helpers/src/deploy/helpers/assets.ts`` then sends
``application/null`` (Cloudflare's "no Content-Type") when there is no type.

The extension table is data from that package, in ``mime_table.py``; ``scripts/mime_table``
regenerates it (npm installs ``mime@4.0.7`` into a temporary folder and node prints it) and
``scripts/mime_table --check`` compares the committed copy with the package.
"""

from __future__ import annotations

from typing import Final

from cfaction.ops.worker.assets.mime_table import TYPES

NO_TYPE: Final = "application/null"
"""What wrangler sends for a file ``mime`` has no type for."""


def _js_length(text: str) -> int:
    """``text.length`` in JavaScript: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def content_type(path: str) -> str | None:
    """``mime.getType(path)`` of mime 4.0.7: the type of the extension after the last ``.``
    of the last path segment (after the last ``/`` or ``\\``), case-insensitively.

    A bare extension or a name without a folder looks its whole name up (``"html"`` and
    ``".html"`` are ``text/html``), but a segment without a dot past its first character in a
    path is untyped (``"dir/html"``, ``"dir/.html"``).
    """
    # Mime.ts: `path.replace(/^.*[/\\]/s, '').toLowerCase()`, then `.replace(/^.*\./s, '')`.
    # (JavaScript's toLowerCase and Python's lower() are both Unicode's full lower-case
    # mapping; every key of the table is ASCII.)
    last = path[max(path.rfind("/"), path.rfind("\\")) + 1 :].lower()
    ext = last[last.rfind(".") + 1 :].lower()
    # `hasPath = last.length < path.length` compares the lower-cased segment with the whole
    # path, in UTF-16 units as JavaScript counts; `hasDot = ext.length < last.length - 1`.
    has_path = _js_length(last) < _js_length(path)
    has_dot = _js_length(ext) < _js_length(last) - 1
    if not has_dot and has_path:
        return None
    return TYPES.get(ext)


def asset_content_type(path: str) -> str:
    """The ``Content-Type`` wrangler uploads the asset at ``path`` with: ``getContentType``
    (``; charset=utf-8`` added to a ``text/*`` type without a charset), else
    ``application/null``.

    wrangler passes the asset's absolute path; any path with a folder (the manifest key,
    ``/sub/page.html``) gives the same answer, since only the last segment counts.
    """
    found = content_type(path)
    if found is None:
        return NO_TYPE
    if found.startswith("text/") and "charset" not in found:
        return f"{found}; charset=utf-8"
    return found
