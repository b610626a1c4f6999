"""Render a Cloudflare-style HTML error page, as the edge serves instead of JSON."""

from __future__ import annotations

from html import escape
from http import HTTPStatus

_TITLES: dict[int, str] = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway time-out",
    520: "Web server is returning an unknown error",
    521: "Web server is down",
    522: "Connection timed out",
    523: "Origin is unreachable",
    524: "A timeout occurred",
    525: "SSL handshake failed",
    526: "Invalid SSL certificate",
}


def error_title(status: int) -> str:
    if status in _TITLES:
        return _TITLES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def render_error_page(
    status: int, ray: str, host: str = "api.cloudflare.com", title: str | None = None
) -> bytes:
    """A small page with the markers clients look for: doctype, cf-error-details, Ray ID.
    ``title`` replaces the status's own (HTML-escaped, as a page carries any text)."""
    title = escape(title if title is not None else error_title(status))
    host = escape(host)
    ray_id = escape(ray.split("-")[0])
    page = f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8" />
<title>{host} | {status}: {title}</title>
</head>
<body>
<div id="cf-wrapper">
<div id="cf-error-details" class="cf-error-details-wrapper">
<h1><span class="cf-error-type">{title}</span>
<span class="cf-error-code">Error code {status}</span></h1>
<p>Visit <a href="https://www.cloudflare.com/">cloudflare.com</a> for more information.</p>
<p class="cf-footer-item">Cloudflare Ray ID: <strong>{ray_id}</strong></p>
</div>
</div>
</body>
</html>
"""
    return page.encode()
