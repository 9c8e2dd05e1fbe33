"""`python -m avodash.sandbox [--port 8001] ...`: the sandbox without Django."""

from avodash.sandbox.cli import main

main()
