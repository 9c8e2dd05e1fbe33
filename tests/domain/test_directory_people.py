"""The directory's person lookups: find by part of a name, an email or an MFA phone (the
type-ahead of every person picker), one person's memberships, and many people's inboxes."""

from __future__ import annotations

import pytest

from avodash.domain import directory
from avodash.domain.users import InboxUser

pytestmark = pytest.mark.django_db

ANA = InboxUser(id="u1", name="Ana Ortiz", email="ana@x.example", phone="+14155550142", details_loaded=True)
BEN = InboxUser(id="u2", name="Ben Anand", email="ben@x.example", details_loaded=True)


@pytest.fixture(autouse=True)
def people():
    directory.store(subdomain="one", user=ANA)
    directory.store(subdomain="two", user=ANA)
    directory.store(subdomain="two", user=BEN)


def _ids(text: str, subs=("one", "two")) -> list[str]:
    return [u.id for u in directory.find_people(text=text, subdomains=subs)]


def test_by_part_of_a_name_or_email_once_per_person_names_starting_with_it_first():
    assert _ids("an") == ["u1", "u2"]  # "Ana …" starts with it; "Ben Anand" contains it
    assert _ids("BEN@") == ["u2"]


def test_by_phone_typed_any_common_way():
    for typed in ("+14155550142", "(415) 555-0142", "5550142"):
        assert _ids(typed) == ["u1"], typed
    assert _ids("12") == []  # too short to be a phone, and in no name


def test_only_in_the_given_inboxes():
    assert _ids("ben", subs=("one",)) == []


def test_one_persons_memberships_by_id_or_email_and_many_peoples_inboxes():
    assert set(directory.person_memberships(user="ANA@x.example", subdomains=["one", "two"])) == {
        "one",
        "two",
    }
    assert set(directory.person_memberships(user="u2", subdomains=["one"])) == set()
    where = directory.inboxes_of(user_ids=["u1", "u2"], subdomains=["one", "two"])
    assert sorted(where["u1"]) == ["one", "two"] and where["u2"] == ["two"]
