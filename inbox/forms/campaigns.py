"""The campaign screens' form: taking contacts off a step, in the API's four forms, confirmed.
Phones are checked (and written as E.164) before any API call."""

from __future__ import annotations

import re

from django import forms

from avodash.domain import phones as phone_rules
from avodash.domain.campaigns import ALL, MAX_PHONES, ONE, RECURSIVE, SEVERAL

_SPLIT = re.compile(r"[,;\n\r]+")
_BACK = re.compile(r"^/i/[A-Za-z0-9_.-]+/[A-Za-z0-9_/.-]*$")


class CampaignCancelForm(forms.Form):
    """`mode`: one contact (`phone`, with `recursive` for the later steps too), several
    (`phones`), or everyone on the step. `confirm` is the second step; `back` a page of this
    inbox to return to (the contact page)."""

    mode = forms.ChoiceField(choices=[(ONE, "One contact"), (SEVERAL, "Several contacts"), (ALL, "Everyone")])
    phone = forms.CharField(required=False, max_length=40, label="Phone number")
    recursive = forms.BooleanField(required=False, label="Also from the later steps of this campaign")
    phones = forms.CharField(
        required=False, max_length=20000, label="Phone numbers", widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(required=False)
    back = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, subdomain: str = "", region: str = phone_rules.DEFAULT_REGION, **kwargs):
        super().__init__(*args, **kwargs)
        self.subdomain, self.region = subdomain, region

    def _e164(self, raw: str) -> str:
        e164 = phone_rules.to_e164(raw, region=self.region)
        if e164 is None:
            raise forms.ValidationError(phone_rules.field_error(raw, region=self.region))
        return e164

    def clean_back(self) -> str:
        back = self.cleaned_data.get("back") or ""
        ok = _BACK.match(back) and back.startswith(f"/i/{self.subdomain}/") and ".." not in back
        return back if ok else ""

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == ONE:
            raw = (data.get("phone") or "").strip()
            if not raw:
                self.add_error("phone", "Enter the contact's phone number.")
            else:
                try:
                    data["numbers"] = (self._e164(raw),)
                except forms.ValidationError as err:
                    self.add_error("phone", err)
            data["final_mode"] = RECURSIVE if data.get("recursive") else ONE
        elif mode == SEVERAL:
            parts = [p.strip() for p in _SPLIT.split(data.get("phones") or "") if p.strip()]
            if not parts:
                self.add_error("phones", "Enter the phone numbers, one a line.")
            elif len(parts) > MAX_PHONES:
                self.add_error("phones", f"At most {MAX_PHONES} phone numbers at once.")
            else:
                numbers, problems = [], []
                for p in parts:
                    e164 = phone_rules.to_e164(p, region=self.region)
                    if e164:
                        numbers.append(e164)
                    else:
                        problems.append(
                            f"“{p[:30]}”: {phone_rules.problem(p, region=self.region) or 'not a phone number.'}"
                        )
                if problems:
                    self.add_error("phones", " ".join(problems[:3]))
                data["numbers"] = tuple(dict.fromkeys(numbers))
            data["final_mode"] = SEVERAL
        elif mode == ALL:
            data["numbers"], data["final_mode"] = (), ALL
        return data
