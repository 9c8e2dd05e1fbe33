"""Phone numbers (avodash.domain.phones): the one set of rules every form, search and page uses."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from avodash.domain import phones
from avodash.domain.inboxes import Inbox
from inbox.forms.composer import ComposeForm
from team.forms.member import MfaPhoneForm, UserAddForm
from team.forms.onboarding import OnboardForm

EXAMPLE = "+14155551234"


# --- parse / to_e164 ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "region", "e164", "national"),
    [
        ("+1 415-555-1234", None, "+14155551234", "(415) 555-1234"),
        ("+1 415.555.1234", None, "+14155551234", "(415) 555-1234"),
        ("+1 (415) 555-1234", None, "+14155551234", "(415) 555-1234"),
        ("(415) 555-1234", "US", "+14155551234", "(415) 555-1234"),
        ("+44 20 7946 0958", None, "+442079460958", "020 7946 0958"),
        ("020 7946 0958", "GB", "+442079460958", "020 7946 0958"),
        ("  +61 2 9374 4000 ", None, "+61293744000", "(02) 9374 4000"),
    ],
)
def test_it_parses_what_people_type(raw, region, e164, national):
    phone = phones.parse(raw, region=region)
    assert phone is not None
    assert phone.e164 == e164 and phone.national == national
    assert phones.to_e164(raw, region=region) == e164


def test_a_phone_knows_its_country_and_international_form():
    phone = phones.parse("+44 20 7946 0958")
    assert phone == phones.Phone(
        e164="+442079460958", national="020 7946 0958", international="+44 20 7946 0958", region="GB"
    )


def test_without_a_region_a_number_needs_its_country_code():
    assert phones.parse("(415) 555-1234") is None
    assert phones.problem("(415) 555-1234") == phones.E164_HELP


@pytest.mark.parametrize(
    "raw", ["", "   ", "12", "call me", "+0123", "+1415555123456789", "+1 415 555 12a4", "+"]
)
def test_what_is_not_a_phone_is_none_and_has_a_problem(raw):
    assert phones.parse(raw) is None and phones.to_e164(raw) is None
    assert phones.problem(raw)


# --- problem: the field errors ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "Enter a phone number"),
        ("call me", "E.164 format"),
        ("+1415555", "too short: it has 7 digits after the +"),
        ("+1 415 555 123", "exactly 10 digits after +1"),
        ("+1 415 555 12345", "too long"),
        ("+1 015 555 1234", "area code (the 3 digits after +1) never starts with 0 or 1"),
        ("+1 555 123 4567", "exchange (the 3 digits after the area code) never starts with 0 or 1"),
        ("+1 555 234 5678", "not a number in use in the US, Canada"),
        ("+44 20 79", "too short"),
        ("+44 7700 900123", "not a valid number in GB (+44)"),
        ("+4420794609581234", "too long"),
        ("+0 415 555 1234", "country code never starts with 0"),
        ("+1 415 555 12a4", "only digits after the +"),
        ("+999 1234 5678", "country code in use"),
        ("(415) 555-12", "exactly 10 digits"),
    ],
)
def test_problem_says_why_in_words(raw, says):
    why = phones.problem(raw, region="US" if raw.startswith("(") else None)
    assert why is not None and says in why
    assert why.endswith(".") and "+14155551234" in why  # always with an example


def test_a_usable_number_has_no_problem():
    assert phones.problem("+1 415.555.1234") is None
    assert phones.problem("(415) 555-1234", region="US") is None


def test_field_error_adds_the_suggestion_only_when_asked():
    assert phones.field_error("(415) 555-1234", suggest_in="US") == (
        f"{phones.E164_HELP} Did you mean +14155551234?"
    )
    assert "Did you mean" not in phones.field_error("(415) 555-1234")
    assert "Did you mean" not in phones.field_error("555-1234", suggest_in="US")


# --- strict (send, MFA) and not (searches) -------------------------------------------------------
@pytest.mark.parametrize(
    "raw", ["+1 555 123 4567", "+1 (555) 123-4567", "+1 015 555 1234", "+44 7700 900123"]
)
def test_a_search_finds_fictional_numbers_that_cannot_be_texted(raw):
    assert phones.to_e164(raw) is None
    assert phones.problem(raw) is not None
    assert phones.to_e164(raw, strict=False) is not None
    assert phones.problem(raw, strict=False) is None


@pytest.mark.parametrize("raw", ["+1415555", "+14155551", "+44 20 79", "+1 617"])
def test_a_search_still_needs_a_whole_number(raw):
    assert phones.to_e164(raw, strict=False) is None
    assert phones.problem(raw, strict=False)


# --- suggestion ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "suggested"),
    [
        ("(415) 555-1234", "+14155551234"),
        ("415.555.1234", "+14155551234"),
        ("1-415-555-1234", "+14155551234"),
        ("+1 415 555 1234", None),  # names its country already
        ("555-1234", None),  # no area code
        ("(015) 555-1234", None),  # not a valid US number
        ("call 415 555 1234", None),
        ("", None),
    ],
)
def test_suggestion_for_a_us_number_typed_the_local_way(raw, suggested):
    assert phones.suggestion(raw) == suggested


def test_suggestion_in_another_region_and_for_searches():
    assert phones.suggestion("020 7946 0958", region="GB") == "+442079460958"
    assert phones.suggestion("(555) 123-4567") is None
    assert phones.suggestion("(555) 123-4567", strict=False) == "+15551234567"


# --- search_term ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    ["(617) 555-8544", "617-555-8544", "617.555.8544", "617 555 8544", "+1 (617) 555-8544", "1-617-555-8544"],
)
def test_search_term_turns_a_formatted_phone_into_e164(typed):
    assert phones.search_term(typed) == "+16175558544"


def test_search_term_finds_stored_fictional_and_foreign_numbers():
    assert phones.search_term("(555) 123-4567") == "+15551234567"
    assert phones.search_term("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize(
    "text",
    ["12345", "6175558544", "49945", "bob 617-555-8544", "555-8544", "status:Open", "+1 617", "refund", ""],
)
def test_search_term_leaves_everything_else_alone(text):
    assert phones.search_term(text) == text


# --- display -------------------------------------------------------------------------------------
def test_display_is_national_at_home_and_international_abroad():
    assert phones.display("+442079460958", region="GB") == "020 7946 0958"
    assert phones.display("+442079460958", region="US") == "+44 20 7946 0958"
    assert phones.display("+14155551234") == "(415) 555-1234"
    assert phones.display("+15551234567") == "(555) 123-4567"  # stored, fictional: still readable


@pytest.mark.parametrize("value", ["garbage", "4155551234", "+abc", "livechat:abc123", "+"])
def test_display_gives_back_what_is_not_a_number(value):
    assert phones.display(value) == value


def test_display_of_nothing_is_empty():
    assert phones.display(None) == "" and phones.display("") == ""


# --- the template filter -------------------------------------------------------------------------
def _render(value) -> str:
    return Template("{{ value|phone }}").render(Context({"value": value}))


def test_the_phone_filter_shows_the_national_form_with_e164_on_hover():
    assert _render("+14155551234") == '<span title="+14155551234">(415) 555-1234</span>'


def test_the_phone_filter_follows_the_phone_region_setting(settings):
    settings.PHONE_REGION = "GB"
    assert _render("+442079460958") == '<span title="+442079460958">020 7946 0958</span>'
    assert _render("+14155551234") == '<span title="+14155551234">+1 415-555-1234</span>'


def test_the_phone_filter_escapes_what_is_not_a_number():
    assert _render('<b>"x"</b>') == "&lt;b&gt;&quot;x&quot;&lt;/b&gt;"
    assert _render(None) == "" and _render("") == ""


# --- the forms use it ----------------------------------------------------------------------------
@pytest.mark.parametrize("form", [MfaPhoneForm, UserAddForm])
def test_the_team_forms_accept_any_usable_number_format(form):
    data = {"phone": "+1 415.555.1234", "email": "a@acme.example", "role": "member"}
    f = form(data)
    assert f.is_valid(), f.errors
    assert f.cleaned_data["phone"] == "+14155551234"


def test_onboarding_accepts_the_same_mfa_phone():
    f = OnboardForm(
        {
            "email": "a@acme.example",
            "role": "member",
            "phone": "+1 415.555.1234",
            "inboxes": ["acme-support"],
        },
        inboxes=[Inbox(subdomain="acme-support", name="Acme Support")],
    )
    assert f.is_valid(), f.errors
    assert f.cleaned_data["phone"] == "+14155551234"


def test_the_mfa_phone_must_be_a_real_number():
    f = MfaPhoneForm({"phone": "+1 555 123 4567"})
    assert not f.is_valid()
    assert "exchange" in f.errors["phone"][0]


def test_the_new_message_page_sends_to_the_same_number():
    f = ComposeForm({"phone": "+1 415.555.1234", "text": "Hello", "action": "send"})
    f.is_valid()
    assert "phone" not in f.errors and f.cleaned_data["phone"] == "+14155551234"


def test_the_new_message_page_offers_a_suggestion_for_a_local_number():
    f = ComposeForm({"phone": "(415) 555-1234", "text": "Hello", "action": "send"})
    assert not f.is_valid()
    assert f.phone_suggestion == "+14155551234"
    assert f.errors["phone"] == [f"{phones.E164_HELP} Did you mean +14155551234?"]


def test_a_number_in_plain_text_reads_in_the_dashboards_region(settings):
    from avodash.domain.contacts import Contact

    assert phones.shown("+15105557290") == "(510) 555-7290"
    assert phones.shown("+442079460958") == "+44 20 7946 0958"
    assert phones.shown(None) == ""
    # A contact without a name is called by its number, as people read it.
    assert Contact(id="c1", phone="+15105557290").display_name == "(510) 555-7290"
    settings.PHONE_REGION = "GB"
    assert phones.shown("+442079460958") == "020 7946 0958"
