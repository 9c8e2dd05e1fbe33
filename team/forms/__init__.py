"""The team app's forms, one module per kind of page (as team/views/): `team` (the list's
filters), `member` (every write on one member), `people` (directory and compliance filters),
`onboarding`, `offboarding` and `jobs`. Everything is validated here, before any API call."""
