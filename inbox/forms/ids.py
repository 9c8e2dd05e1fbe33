"""Ids in the inbox's forms: opaque to us, but they only ever travel as path segments, so
they are kept plain (no slash, dot or query character can reach another endpoint)."""

from __future__ import annotations

import re

from django.core.validators import RegexValidator

# Ids are opaque to us, but they only ever travel as path segments: keep them plain.
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


id_validator = RegexValidator(ID_RE, "That is not a valid id.")


CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
