"""What every form that writes an SMS checks, once: the text as the person sees it (CRLF
counted as one line break), within the API's length, and a media URL that is a web address.
The composer, the new-message page and the broadcast composer use these."""

from __future__ import annotations

from django import forms

from inbox.services.messages import MAX_LENGTH


def message_text(value: str | None, *, required: bool = False, limit: int = MAX_LENGTH) -> str:
    """The text as sent; too long is refused with by how much (never cut: a browser's
    `maxlength` would cut a paste silently, so no message field has one)."""
    text = (value or "").replace("\r\n", "\n")
    if required and not text.strip():
        raise forms.ValidationError("Write the message.")
    if len(text) > limit:
        raise forms.ValidationError(
            f"The message is {len(text):,} characters; the limit is {limit:,}. "
            f"Shorten it by {len(text) - limit:,}."
        )
    return text


def media_url(value: str | None) -> str:
    url = value or ""
    if url and not url.lower().startswith(("https://", "http://")):
        raise forms.ValidationError("The media URL must be a web address starting with https://.")
    return url
