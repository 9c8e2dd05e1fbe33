"""The embedded Avochato v1 API emulator: real HTTP, seeded demo data, fault knobs, request log.

Pure standard library (importable without Django). See README.md in this folder, and
`SandboxServer` in `avodash.sandbox.server` for the in-process API.
"""

from __future__ import annotations

from avodash.sandbox.seed import DEFAULT_AUTH_ID, DEFAULT_AUTH_SECRET, build_state
from avodash.sandbox.server import SandboxServer

__all__ = ["SandboxServer", "build_state", "DEFAULT_AUTH_ID", "DEFAULT_AUTH_SECRET"]
