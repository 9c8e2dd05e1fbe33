"""Phone numbers, written once, on the `phonenumbers` library.

What a person typed becomes E.164 (`+14155551234`) on the wire and in storage, and is shown
in the inbox's national format (`(415) 555-1234`, E.164 on hover). Every form, search box and
template goes through here: there is no other phone rule in avodash.

Two levels of "a number":
* strict (the default): `phonenumbers.is_valid_number`, for numbers we text or set as an MFA
  phone: the country's real numbering plan (area codes in use, right length).
* `strict=False`: `phonenumbers.is_possible_number` (the right length for its country only),
  for searches: numbers already stored may be fictional ones like +1 555 123 4567, and
  finding them is harmless.

A number typed without its `+` and country code is read in `region` when one is given;
without a region, such a number is refused and `suggestion` offers the E.164 form to the
person (never applied silently: other countries' local forms look the same).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, ValidationResult

DEFAULT_REGION = "US"
EXAMPLE = "+14155551234"
E164_HELP = f"Enter the number in E.164 format: + then the country code and number, like {EXAMPLE}."
MAX_DIGITS = 15  # E.164: at most 15 digits after the +
NANP = 1  # the North American Numbering Plan's country code: US, Canada, the Caribbean
_SEPARATORS = re.compile(r"[\s\-().]")
_SIZE = {
    ValidationResult.TOO_SHORT: "too short",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "too short",  # a local number without its area code
    ValidationResult.TOO_LONG: "too long",
}


@dataclass(frozen=True, kw_only=True)
class Phone:
    """A phone number: `e164` for the wire, `national` / `international` for people."""

    e164: str  # +14155551234
    national: str  # (415) 555-1234, as written in its own country
    international: str  # +1 415-555-1234
    region: str | None  # "US"; None for a possible but not valid number (searches)


def parse(raw: str, *, region: str | None = None, strict: bool = True) -> Phone | None:
    """The `Phone` behind what a person typed, or None when it is not a number we can use
    (see `problem` for why). `+1 415-555-1234`, `+44 20 7946 0958`; `(415) 555-1234` only
    with `region="US"`."""
    number, _ = _check(raw, region=region, strict=strict)
    if number is None:
        return None
    return Phone(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        national=phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
        international=phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
        region=phonenumbers.region_code_for_number(number),
    )


def problem(raw: str, *, region: str | None = None, strict: bool = True) -> str | None:
    """Why what was typed can't be used as a phone number, in words fit for the field's error;
    None when it can. Checked before any API call, so Avochato never sees a malformed number."""
    return _check(raw, region=region, strict=strict)[1]


def field_error(
    raw: str, *, region: str | None = None, strict: bool = True, suggest_in: str | None = None
) -> str:
    """A form field's whole error: `problem`, then "Did you mean +14155551234?" when the text is
    a whole number of `suggest_in` typed without its country code (None: no suggestion, for
    forms that offer it as a button instead)."""
    why = problem(raw, region=region, strict=strict) or f"Enter a valid phone number, like {EXAMPLE}."
    hint = suggestion(raw, region=suggest_in, strict=strict) if suggest_in else None
    return f"{why} Did you mean {hint}?" if hint else why


def to_e164(raw: str, *, region: str | None = None, strict: bool = True) -> str | None:
    """`+1 415.555.1234` -> `+14155551234`; None when it is not a usable number."""
    phone = parse(raw, region=region, strict=strict)
    return phone.e164 if phone else None


def suggestion(raw: str, *, region: str = DEFAULT_REGION, strict: bool = True) -> str | None:
    """The E.164 form of a number typed the local way, without its country code: with
    region "US", `(415) 555-1234` and `1-415-555-1234` -> `+14155551234`. Only to offer
    ("Did you mean ...?"): None when the text has a `+` (it names its country) or is not a
    whole number of that region."""
    text = (raw or "").strip()
    if not text or text.startswith("+"):
        return None
    return to_e164(text, region=region, strict=strict)


def search_term(text: str, *, region: str = DEFAULT_REGION) -> str:
    """A search box's text as E.164 when it is only a (formatted) phone number, else unchanged:
    `(617) 555-8544` -> `+16175558544` (stored numbers are E.164, the formatted text matches
    nothing). Bare digits are left alone: they already match stored numbers as a substring,
    and they may be an order number in a message. Fictional numbers count (`strict=False`)."""
    stripped = (text or "").strip()
    if not stripped or stripped.isdigit():
        return text
    if stripped.startswith("+"):
        return to_e164(stripped, strict=False) or text
    return suggestion(stripped, region=region, strict=False) or text


@lru_cache(maxsize=4096)  # a page shows the same few hundred numbers again and again
def display(e164: str | None, *, region: str = DEFAULT_REGION) -> str:
    """A stored number for people: national format when it is in `region`'s country code
    (`(415) 555-1234` for US), international otherwise (`+44 20 7946 0958`). Anything that is
    not a phone number (a live chat id, garbage) comes back as it was; never raises."""
    number = _parse_stored(e164)
    if number is None:
        return e164 or ""
    same_country = number.country_code == phonenumbers.country_code_for_region(region)
    style = PhoneNumberFormat.NATIONAL if same_country else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def shown(value: str | None) -> str:
    """`display` in the dashboard's PHONE_REGION: the one way a number reads in plain text
    (names that fall back to a number, flash messages). Templates use the `|phone` filter,
    which adds the E.164 form on hover."""
    from django.conf import settings

    return display(value, region=settings.PHONE_REGION)


@lru_cache(maxsize=4096)
def stored_e164(value: str | None) -> str | None:
    """The E.164 form of a stored number (valid or not), or None when it is not one."""
    number = _parse_stored(value)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if number else None


# --- the rules ------------------------------------------------------------------------------
def _parse_stored(value: str | None) -> PhoneNumber | None:
    text = (value or "").strip()
    if not text.startswith("+"):
        return None
    digits = _SEPARATORS.sub("", text[1:])
    if not (digits.isascii() and digits.isdigit()) or len(digits) > MAX_DIGITS:
        return None
    try:
        return phonenumbers.parse("+" + digits, None)
    except NumberParseException:
        return None


def _check(raw: str, *, region: str | None, strict: bool) -> tuple[PhoneNumber | None, str | None]:
    """(the number, None) or (None, why not): the one place the rules live."""
    text = (raw or "").strip()
    if not text:
        return None, f"Enter a phone number, like {EXAMPLE}."
    international = text.startswith("+")
    if not international and region is None:
        return None, E164_HELP
    digits = _SEPARATORS.sub("", text[1:] if international else text)
    if not (digits.isascii() and digits.isdigit()):
        if international:
            return None, f"A phone number has only digits after the +. {E164_HELP}"
        return (
            None,
            f"A phone number has only digits (spaces, dashes, dots and brackets are fine), like {EXAMPLE}.",
        )
    if international and digits.startswith("0"):
        return None, f"A country code never starts with 0. {E164_HELP}"
    if international and len(digits) > MAX_DIGITS:
        return None, (
            f"That number is too long: it has {len(digits)} digits after the +, "
            f"and E.164 numbers have at most {MAX_DIGITS}. {E164_HELP}"
        )
    try:
        number = phonenumbers.parse("+" + digits if international else digits, region)
    except NumberParseException as err:
        return None, _parse_error(err, digits, region)
    why = _length_problem(number, digits if international else None)
    if why is None and strict and not phonenumbers.is_valid_number(number):
        why = _invalid(number)
    return (None, why) if why else (number, None)


def _parse_error(err: NumberParseException, digits: str, region: str | None) -> str:
    if err.error_type == NumberParseException.INVALID_COUNTRY_CODE:
        if region is not None and phonenumbers.country_code_for_region(region) == 0:
            return f"“{region}” is not a country we know. {E164_HELP}"
        return (
            f"+{digits[:3]}… does not start with a country code in use "
            f"(like 1 for the US and Canada, or 44 for the UK). {E164_HELP}"
        )
    if err.error_type == NumberParseException.TOO_LONG:
        return f"That number is too long: it has {len(digits)} digits. Like {EXAMPLE}."
    return f"That number is too short: it has {len(digits)} digits. Like {EXAMPLE}."


def _length_problem(number: PhoneNumber, typed_digits: str | None) -> str | None:
    """Too short or too long for its country (typed_digits: what came after the +, if any)."""
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.IS_POSSIBLE:
        return None
    national = phonenumbers.national_significant_number(number)
    size = _SIZE.get(reason, "the wrong length")
    counted = f"it has {len(typed_digits)} digits after the +" if typed_digits is not None else ""
    if number.country_code == NANP:
        return (
            f"That number is {size}: {counted + ', and ' if counted else ''}a +1 number (US, Canada) "
            f"has exactly 10 digits after +1 (area code and number); this one has {len(national)}. "
            f"Like {EXAMPLE}."
        )
    counted = counted or f"it has {len(national)} digits"
    return f"That number is {size} for a +{number.country_code} number: {counted}. Like {EXAMPLE}."


def _invalid(number: PhoneNumber) -> str:
    """Why a number of the right length is still not a real one."""
    national = phonenumbers.national_significant_number(number)
    if number.country_code == NANP:
        if national[0] in "01":
            return (
                f"A +1 number's area code (the 3 digits after +1) never starts with 0 or 1. Like {EXAMPLE}."
            )
        if national[3] in "01":
            return (
                "A +1 number's exchange (the 3 digits after the area code) never starts with 0 or 1. "
                f"Like {EXAMPLE}."
            )
        return (
            "That is not a number in use in the US, Canada or the other +1 countries: "
            f"check the area code and number. Like {EXAMPLE}."
        )
    where = phonenumbers.region_code_for_country_code(number.country_code)
    country = (
        f"{where} (+{number.country_code})"
        if where.isalpha() and where != "ZZ"
        else f"+{number.country_code}"
    )
    return f"That is not a valid number in {country}: check the digits. Like {EXAMPLE}."
