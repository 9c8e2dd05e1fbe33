"""The template filters every page uses (avodash.templatetags.avodash)."""

from __future__ import annotations

import pytest

from avodash.templatetags.avodash import duration


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "—"),
        (0, "0s"),
        (45, "45s"),
        (185, "3m 05s"),
        (3599, "59m 59s"),
        (3600, "1h 00m"),
        (2 * 3600 + 3 * 60, "2h 03m"),
        (23 * 3600 + 59 * 60, "23h 59m"),
        (24 * 3600, "1d 00h"),
        (47 * 3600 + 3 * 60, "1d 23h"),  # was "47h 03m" next to "3d 11h"
        (3 * 86400 + 11 * 3600, "3d 11h"),
        (40 * 86400 + 5 * 3600, "40d 05h"),
        (-5, "0s"),  # a clock a little ahead of the API: never a negative wait
    ],
)
def test_it_shows_a_duration_in_one_format(seconds, shown):
    assert duration(seconds) == shown


def test_waits_of_a_day_or_more_are_all_in_days_and_hours():
    for hours in range(24, 24 * 5):
        assert duration(hours * 3600 + 125).endswith("h") and "d " in duration(hours * 3600 + 125)


def test_a_person_pickers_options_are_escaped_and_mark_the_selected_one():
    from django.template import Context, Template

    from avodash.domain.users import InboxUser

    users = [InboxUser(id="u1", name="Ana <b>&"), InboxUser(id="u2", name=""), InboxUser(id='x"y', name="Q")]
    html = Template("{% user_options users cur %}|{% user_options users %}").render(
        Context({"users": users, "cur": "u2"})
    )
    picked, plain = html.split("|")
    assert picked == (
        '<option value="u1">Ana &lt;b&gt;&amp;</option><option value="u2" selected></option>'
        '<option value="x&quot;y">Q</option>'
    )
    assert plain == picked.replace(" selected", "")
