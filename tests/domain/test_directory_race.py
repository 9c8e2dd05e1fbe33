"""Several app servers filling the same inbox's directory at once (first use after a deploy)
must not fail a page: the second transaction to create the same rows is done again."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from avodash.domain.directory import sync
from avodash.domain.users import InboxUser
from avodash.models import DirectoryInbox, DirectoryMembership


def _people(n: int) -> list[InboxUser]:
    return [InboxUser(id=f"race{i}", name=f"Person {i}", email=f"p{i}@race.example") for i in range(n)]


@pytest.mark.django_db(transaction=True)
def test_two_fills_of_the_same_new_inbox_at_once_both_succeed():
    DirectoryInbox.objects.create(subdomain="race-inbox", name="Race")  # listed by the accounts pass
    listed, errors, start = _people(60), [], threading.Barrier(4)

    def fill() -> None:
        try:
            start.wait()
            sync._apply_list("race-inbox", listed)
        except Exception as err:  # noqa: BLE001 - the test reports any failure
            errors.append(repr(err))
        finally:
            connection.close()

    threads = [threading.Thread(target=fill) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert DirectoryMembership.objects.filter(inbox__subdomain="race-inbox").count() == 60
