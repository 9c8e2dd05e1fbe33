"""The broadcast domain: parsing the API's shapes (the reference's examples), the audience's
parameters, and the list filling in stats the list answer leaves out."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from avodash.avochato.django import get_client
from avodash.domain import broadcasts as svc
from avodash.domain.broadcasts import Audience, broadcast_from_api
from tests.helpers import INBOX, api_calls

pytestmark = pytest.mark.django_db
ENDPOINTS_FILE = Path(__file__).resolve().parents[1] / "sandbox" / "reference" / "endpoints.json"
ENDPOINTS = json.loads(ENDPOINTS_FILE.read_text())


def example(title: str) -> dict:
    op = next(o for o in ENDPOINTS if o["title"] == title)
    return op["example"]["response_body"]


def test_the_fetch_example_parses_with_stats():
    raw = example("Fetch Broadcast(s)")["data"]["broadcasts"][0]
    b = broadcast_from_api(raw)
    assert b.id == "2jRbk681Pv" and b.is_draft and b.status_label == "Draft"
    assert b.audience == 1 and b.stats == svc.BroadcastStats()
    assert b.author_name == "Person 3" and b.scheduled_for is not None
    assert b.title == "Dolorem amet iure dicta."


def test_the_list_example_has_no_stats():
    raw = example("List Broadcasts")["data"]["broadcasts"][0]
    assert broadcast_from_api(raw).stats is None


def test_stats_use_the_apis_words():
    b = broadcast_from_api(
        {"id": "x", "attempted": 5, "delivered": 3, "undelivered": 2, "responded": 1, "replied_stop": 1}
    )
    assert b.stats == svc.BroadcastStats(attempted=5, delivered=3, failed=2, replied=1, opted_out=1)


def test_unsafe_media_is_dropped():
    assert broadcast_from_api({"id": "x", "media_url": "javascript:alert(1)"}).media_url is None


def test_audience_params_and_words():
    a = Audience(
        tags=("vip", "new"), contact_ids=("c1",), phones=("+14155550199",), field="city", value="Oslo"
    )
    assert a.params() == {
        "via_tags": "vip,new",
        "via_contact_ids": "c1",
        "via_phone_numbers": "+14155550199",
        "via_field[field]": "city",
        "via_field[value]": "Oslo",
    }
    assert a.describe() == ["tagged vip, new", "1 contact id", "1 phone number", "city is “Oslo”"]
    assert Audience().is_empty and Audience(field="city").is_empty


def test_a_list_without_stats_fetches_them_by_id(sandbox):
    body = example("List Broadcasts")
    sandbox.faults.add("/v1/broadcasts", method="GET", body=json.dumps(body))
    page = svc.broadcasts_list(client=get_client(INBOX))
    assert [b.id for b in page.broadcasts] == ["0N6bwR8DML", "qQR9178geK"]
    (fetch,) = [c for c in api_calls(sandbox, "GET", "/v1/broadcasts/")]
    assert fetch["path"] in ("/v1/broadcasts/0N6bwR8DML,qQR9178geK", "/v1/broadcasts/0N6bwR8DML%2CqQR9178geK")


def test_create_update_count_publish_against_the_sandbox(sandbox):
    client = get_client(INBOX)
    b = svc.broadcast_create(client=client, message="Hi", name="T", audience=Audience(tags=("vip",)))
    assert b.is_draft and b.added and b.added == b.audience
    assert svc.broadcast_audience_count(client=client, broadcast_id=b.id) == b.audience
    b2 = svc.broadcast_update(
        client=client, broadcast_id=b.id, message="Hi!", media_url="", name="T2", audience=Audience()
    )
    assert b2.message == "Hi!" and b2.name == "T2" and b2.added == 0
    published = svc.broadcast_publish(client=client, broadcast_id=b.id, scheduled_for=None)
    # as the reference's example: still a draft, about 10 s ahead; marked publishing
    assert published.status == "draft" and published.publishing and not published.is_editable
    assert published.status_label == "Publishing" and published.stats.attempted == 0
    assert 9 <= published.scheduled_for.timestamp() - time.time() <= 11
    sandbox.deliver_due(at=published.scheduled_for.timestamp() + 1)
    done = svc.broadcast_get(client=client, broadcast_id=b.id)
    assert done.status_label == "Sent" and done.stats.attempted == b.audience
