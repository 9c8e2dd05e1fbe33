"""avodash's Avochato client: the only package that speaks HTTP to Avochato.

See docs/contracts.md for the interface; `avodash.avochato.django.get_client` builds a
client from settings.
"""

from .client import AvochatoClient, credential_fingerprint, new_session, parse_retry_after
from .errors import (
    AuthError,
    AvochatoError,
    BadResponseError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnavailableError,
    ValidationError,
)
from .pagination import alongside, parallel
from .ratelimit import RateLimiter, SharedRateLimiter
from .text import without_nul

__all__ = [
    "alongside",
    "without_nul",
    "AuthError",
    "AvochatoClient",
    "AvochatoError",
    "BadResponseError",
    "ForbiddenError",
    "NotFoundError",
    "RateLimitedError",
    "RateLimiter",
    "ServerError",
    "SharedRateLimiter",
    "UnavailableError",
    "ValidationError",
    "credential_fingerprint",
    "new_session",
    "parallel",
    "parse_retry_after",
]
