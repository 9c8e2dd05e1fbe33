"""The one place that speaks HTTP to Avochato.

`AvochatoClient` is bound to a base URL, a credential pair and (optionally) an inbox
subdomain. It puts the credentials on every call (query string for GET/DELETE, JSON
body for POST/PUT), escapes ids as path segments, never follows redirects, caps answer
sizes, retries only what is safe to retry within a time budget, and turns every failure
into one of the typed errors in `errors.py` whose text never carries the secret.

Its parts: `api` (the client: verbs, conveniences, one call's attempts), `transport` (the
session, and what a failed exchange means), `answer` (reading and checking what came back),
`retries` (what may be sent again, and when).
"""

from ..errors import parse_retry_after
from .api import AvochatoClient
from .transport import credential_fingerprint, new_session

__all__ = ["AvochatoClient", "credential_fingerprint", "new_session", "parse_retry_after"]
