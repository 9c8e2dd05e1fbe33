"""The saved replies page's form."""

from __future__ import annotations

from django import forms

from inbox.replies import PLACEHOLDERS
from inbox.services.messages import MAX_LENGTH


class SavedReplyForm(forms.Form):
    name = forms.SlugField(
        max_length=40,
        label="Name",
        help_text="Typed after / in the composer: lower-case letters, digits and dashes, like thanks-closing.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "thanks-closing"}),
    )
    text = forms.CharField(
        max_length=MAX_LENGTH,
        strip=False,
        label="Reply",
        help_text="Placeholders: " + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + ".",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No `maxlength` on the box: a long paste is refused with its length, never cut.
        self.fields["text"].widget.attrs.pop("maxlength", None)

    def clean_name(self) -> str:
        return self.cleaned_data["name"].lower()

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].replace("\r\n", "\n")
        if not text.strip():
            raise forms.ValidationError("Write the reply's text.")
        return text
