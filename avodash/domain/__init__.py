"""The Avochato concepts both apps use, each written once.

* `errors`   ActionError: "this can't be done, and here is what to tell the person".
* `parse`    small parsers for API values (strings, numbers, epochs, ISO times, media links).
* `phones`   phone numbers on `phonenumbers`: parse, validate, display, E.164 on the wire.
* `inboxes`  the inboxes the credential reaches (from the local directory) and grants.
* `users`    an inbox's users and their memberships: selectors read the local directory,
             services write through the API and update the directory from its answer.
* `directory` keeping the local directory fresh (list pass, rolling detail refresh).
* `tickets`  the ticket object, bulk update with per-ticket checks, handover.
* `contacts` the contact object and batched reads.
* `scheduled` scheduled (pending) messages: search, cancel, by sender.

Reads are selectors, writes are services: keyword-only functions named
`<entity>_<action>`. Only these modules and the apps' services call the API client.
inbox and team never import each other; they meet here.
"""
