"""The team app's pages, one module per kind of page.

Per inbox (/i/<subdomain>/team/, URL namespace `team`): `team` (the list) and `member` (one user
and the actions on them). Across inboxes (/team/, URL namespace `people`): `people` (directory,
MFA compliance), `onboarding`, `offboarding` and `jobs`.
"""
