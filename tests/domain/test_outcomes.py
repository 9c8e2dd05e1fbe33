"""Reading back a write whose answer was lost: the value read, or ReadBackFailed when the read
fails too (the sandbox-backed tests of each write cover the API side)."""

from __future__ import annotations

import pytest

from avodash.avochato import ServerError, UnavailableError, ValidationError
from avodash.domain.outcomes import UNKNOWN, ReadBackFailed, read_back, settle


def _fails():
    raise UnavailableError()


def test_a_read_back_gives_what_it_read():
    assert read_back(ServerError(), lambda: {"role": "member"}) == {"role": "member"}


def test_a_read_back_that_fails_too_carries_both_errors():
    lost = ServerError("Avochato had an internal problem.")
    with pytest.raises(ReadBackFailed) as failed:
        read_back(lost, _fails)
    assert failed.value.err is lost and isinstance(failed.value.again, UnavailableError)
    assert failed.value.__cause__ is failed.value.again


def test_settle_is_unknown_when_the_read_back_fails_and_never_reads_after_a_refusal():
    assert settle(ServerError(), _fails).state == UNKNOWN
    refused = settle(ValidationError(status=422, errors=["No."]), _fails)
    assert (refused.applied, refused.known, refused.error) == (False, True, "No.")
