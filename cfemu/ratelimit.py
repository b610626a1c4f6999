"""Rate limits: purge token buckets per account, and an optional global per-credential limit.

This module holds the limits and the limiters only (PurgeLimits, TokenBucket,
SlidingWindow); State.take_purge_tokens() and State.check_global_limit() apply them to the
levels the State keeps. Both run on ``State.clock`` (time.monotonic unless a test injects a
fake clock), so tests can step time instead of sleeping.

Purge limits follow Cloudflare's published per-plan table (see PurgeLimits, and
https://developers.cloudflare.com/cache/how-to/purge-cache/). Each account
has two buckets: "ops" (hostname, tag, prefix and purge-everything requests, cost 1 per
request) and "urls" (single-file purges, cost = number of files in the request). Buckets
start full and refill continuously. The plan of the zone being purged sets the rate and
size of its account's buckets for that request. A request the bucket cannot pay for is
answered 429 971 with Retry-After and takes no tokens.

The global limit (``State.global_limit``, off by default) models "1,200 requests per 5
minutes per user or token" (https://developers.cloudflare.com/fundamentals/api/reference/limits/)
as a sliding window per credential over every authenticated
API request (those that fail authentication are not counted, nor are those it rejects).
Unlike Cloudflare, which blocks the credential for a whole window once it is exceeded,
the emulator lets a request through as soon as the oldest counted one leaves the window;
Retry-After says when that is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "DEFAULT_PURGE_LIMITS",
    "PurgeLimits",
    "SlidingWindow",
    "TokenBucket",
]

# Absorbs float noise when a refill lands exactly on the cost (12 s x 5/60 s = 1 token).
_EPSILON = 1e-9


@dataclass(frozen=True)
class PurgeLimits:
    """One plan's purge limits. The defaults are the Free plan's.

    ops_rate requests are added to the "ops" bucket every ops_window seconds, up to
    ops_bucket. urls_per_second URLs are added to the "urls" bucket every second, up to
    urls_bucket (None: one second's worth). max_files caps the files of one request,
    max_items the tags, hosts or prefixes of one request. (Until 2024 the documented file
    cap was 30 on Free/Pro/Business; set max_files=30 to model an older account.)
    """

    ops_rate: float = 5
    ops_window: float = 60.0
    ops_bucket: float = 25
    urls_per_second: float = 800
    urls_bucket: float | None = None
    max_files: int = 100
    max_items: int = 100

    def __post_init__(self) -> None:
        for name in ("ops_rate", "ops_window", "urls_per_second"):
            _check_positive(name, getattr(self, name))
        _check_positive("ops_bucket", self.ops_bucket, minimum=1)
        if self.urls_bucket is not None:
            _check_positive("urls_bucket", self.urls_bucket)
        for name in ("max_files", "max_items"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"purge limit {name} must be a positive integer")
        if self.urls_capacity < self.max_files:
            raise ValueError(
                f"the urls bucket ({self.urls_capacity:g}) must hold max_files "
                f"({self.max_files}), or a full request could never pass"
            )

    @property
    def urls_capacity(self) -> float:
        return self.urls_per_second if self.urls_bucket is None else self.urls_bucket


def _check_positive(name: str, value: object, minimum: float = 0.0) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"purge limit {name} must be a number")
    if value <= 0 or value < minimum:
        raise ValueError(f"purge limit {name} out of range: {value}")


# Cloudflare's purge limits per plan (https://developers.cloudflare.com/cache/how-to/purge-cache/).
# Read-only; each State starts with its own copy in ``State.purge_limits``.
DEFAULT_PURGE_LIMITS: Mapping[str, PurgeLimits] = MappingProxyType(
    {
        "free": PurgeLimits(),
        "pro": PurgeLimits(ops_rate=5, ops_window=1.0, ops_bucket=25, urls_per_second=1500),
        "business": PurgeLimits(ops_rate=10, ops_window=1.0, ops_bucket=50, urls_per_second=1500),
        "enterprise": PurgeLimits(
            ops_rate=50, ops_window=1.0, ops_bucket=500, urls_per_second=3000, max_files=500
        ),
    }
)


@dataclass
class TokenBucket:
    """A token bucket's level; rate and size are passed in, so a table change applies."""

    tokens: float
    updated: float

    def take(self, cost: float, now: float, rate: float, window: float, capacity: float) -> float:
        """Refill (rate tokens per window seconds, up to capacity), then take cost tokens.

        Returns 0.0 when the tokens were taken, otherwise the seconds until the bucket
        holds enough, having taken nothing.
        """
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(capacity, self.tokens + elapsed * rate / window)
        self.updated = max(self.updated, now)
        if self.tokens + _EPSILON >= cost:
            self.tokens = max(0.0, self.tokens - cost)
            return 0.0
        return (cost - self.tokens) * window / rate


@dataclass
class SlidingWindow:
    """Timestamps of the requests counted in the last window."""

    hits: deque[float] = field(default_factory=deque)

    def hit(self, now: float, limit: int, window: float) -> float:
        """Count a request and return 0.0, or return the seconds until one may be counted."""
        while self.hits and self.hits[0] <= now - window:
            self.hits.popleft()
        if len(self.hits) >= limit:
            return self.hits[0] + window - now
        self.hits.append(now)
        return 0.0
