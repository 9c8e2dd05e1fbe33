"""The campaign domain: steps from the API's shapes, the four cancel forms as the API takes
them, and which steps a contact waits on (from the scheduled follow-ups)."""

from __future__ import annotations

import pytest

from avodash.avochato.django import get_client
from avodash.domain import campaigns as svc
from tests.helpers import INBOX, api_calls

pytestmark = pytest.mark.django_db


def test_a_step_parses_and_says_its_delay():
    s = svc.step_from_api(
        {"id": "a", "key": "one", "raw_text": "Hi", "follow_up_message": "Again", "follow_up_delay": 7200}
    )
    assert (s.key, s.message, s.follow_up_message, s.delay_text) == ("one", "Hi", "Again", "2 hours")
    assert svc.step_from_api({"id": "a", "key": "k", "follow_up_delay": 90}).delay_text == "90 seconds"


@pytest.mark.parametrize(
    "mode, phones, sent",
    [
        (svc.ONE, ("+14155550199",), {"phone": "+14155550199"}),
        (svc.RECURSIVE, ("+14155550199",), {"phone": "+14155550199", "recursive": "1"}),
        (svc.SEVERAL, ("+14155550199", "+14155550198"), {"contacts": ["+14155550199", "+14155550198"]}),
        (svc.ALL, (), {"all": "1"}),
    ],
)
def test_the_four_cancel_forms(sandbox, mode, phones, sent):
    result = svc.campaign_cancel(client=get_client(INBOX), key="one", mode=mode, phones=phones)
    (call,) = api_calls(sandbox, "POST", "/v1/campaigns/one/cancel")
    assert {k: v for k, v in call["params"].items() if k in ("phone", "recursive", "contacts", "all")} == sent
    assert result.keys == ("one",) and result.text.startswith("Processing")


def test_a_cancel_form_without_its_phone_is_a_programming_error():
    with pytest.raises(ValueError):
        svc.campaign_cancel(client=None, key="one", mode=svc.ONE, phones=())


def test_campaigns_for_contact_reads_the_queued_follow_ups(sandbox):
    box = sandbox.state.inbox(INBOX)
    pm = next(p for p in box.pending.values() if p.campaign_key == "one")
    steps = svc.campaigns_for_contact(client=get_client(INBOX), contact_id=pm.contact_id)
    assert [s.key for s in steps] == ["one"]
    other = next(
        c for c in box.contacts.values() if not any(p.contact_id == c.id for p in box.pending.values())
    )
    assert svc.campaigns_for_contact(client=get_client(INBOX), contact_id=other.id) == []


def test_step_get_by_key(sandbox):
    client = get_client(INBOX)
    assert svc.campaign_step_get(client=client, key="feedback").message == "How did we do today? Reply 1-5."
    assert svc.campaign_step_get(client=client, key="two").follow_up_delay is None
