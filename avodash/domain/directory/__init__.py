"""The local directory: Avochato's inboxes, users and memberships in our own tables.

Pages read it; nothing here is called per row. It is kept fresh three ways:

* **first use**: an inbox never listed is listed in the request that needs it (`GET /v1/users`,
  25 a page), and its members' details (`GET /v1/users/:id`: role, enabled) are read in
  parallel within FIRST_FILL_SECONDS; whatever is left is read in the background while the page
  says how far it got;
* **in the background**: `directory_sync` (a django-tasks task per inbox, run by `db_worker`)
  lists the inbox every DIRECTORY_LIST_SECONDS to see who joined or left, and refreshes the
  details of the members read longest ago, paced so that every member is re-read within
  DIRECTORY_REFRESH_SECONDS (15 minutes by default); its API calls take the background share
  of the rate limit, so interactive pages keep precedence. Each run queues the next one; a page
  that finds the chain broken (no run due, or the last one long overdue) starts it again;
* **"Refresh now"** (IT admins, per inbox): every member is read again in a run queued at once;
  `Freshness.progress` counts who has been read since, and the pages poll until it is done;
* **write-through**: every write through avodash stores the API's answer at once
  (`store`, `forget`), so the person who made it sees it on every page in the same request.

Within one request, an inbox's members and the inbox list are read from the database once
(`request_reads`, `read_once`), however many parts of the page ask; a write forgets them.
"""

from avodash.domain.directory.rows import (
    Freshness,
    FreshnessReport,
    clear,
    doubt,
    find_people,
    forget,
    forget_reads,
    freshness,
    freshness_of,
    freshness_report,
    inboxes_of,
    member,
    memberships,
    memberships_of,
    names,
    person_memberships,
    read_once,
    request_reads,
    store,
)
from avodash.domain.directory.sync import (
    credential_user,
    details_pass,
    directory_sync,
    ensure_listed,
    inbox_reachable,
    inboxes_present,
    inboxes_sync,
    kick,
    learn_credential_user,
    list_pass,
    members,
    refresh_now,
    sync_inbox,
    unlisted,
)

__all__ = [
    "Freshness",
    "FreshnessReport",
    "clear",
    "credential_user",
    "details_pass",
    "directory_sync",
    "doubt",
    "ensure_listed",
    "inbox_reachable",
    "find_people",
    "forget_reads",
    "forget",
    "freshness",
    "freshness_of",
    "freshness_report",
    "inboxes_of",
    "inboxes_present",
    "inboxes_sync",
    "kick",
    "learn_credential_user",
    "list_pass",
    "member",
    "members",
    "memberships",
    "memberships_of",
    "person_memberships",
    "names",
    "read_once",
    "refresh_now",
    "request_reads",
    "store",
    "sync_inbox",
    "unlisted",
]
