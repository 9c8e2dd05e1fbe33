"""`{% late %}` blocks: a page rendered before its last API round has answered, the parts that
read that answer filled in once it is in (avodash.late, avodash.http.render_alongside)."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from avodash.late import CONTEXT_KEY, LateParts


class Person:
    def __init__(self, name: str = ""):
        self.name = name


PAGE = Template(
    '{% for p in people %}<li title="{% late %}{{ p.name }}{% endlate %}">{{ forloop.counter }}. '
    "{% late %}{{ p.name|default:'?' }}{% if extra %} {{ extra }}{% endif %}{% endlate %}</li>{% endfor %}"
)


def test_a_late_block_shows_what_arrived_after_the_page_was_rendered():
    people = [Person(), Person()]
    late = LateParts()
    html = PAGE.render(Context({"people": people, CONTEXT_KEY: late}))
    assert "<!--late" in html and "Ana" not in html and len(late) == 4
    people[0].name, people[1].name = "Ana", "Bo <b>"  # the second round's answer, attached
    assert late.fill(html) == ('<li title="Ana">1. Ana</li><li title="Bo &lt;b&gt;">2. Bo &lt;b&gt;</li>')


def test_without_late_parts_a_late_block_is_rendered_in_place():
    html = PAGE.render(Context({"people": [Person("Ana")]}))
    assert html == '<li title="Ana">1. Ana</li>'


def test_values_given_at_fill_are_seen_by_the_late_blocks():
    late = LateParts()
    html = PAGE.render(Context({"people": [Person("Ana")], CONTEXT_KEY: late}))
    assert late.fill(html, {"extra": "(VIP)"}) == '<li title="Ana">1. Ana (VIP)</li>'


@pytest.mark.parametrize("forged", ["<!--late {nonce} 0-->", "<!--late 0123456789abcdef 0-->"])
def test_text_from_the_api_cannot_spell_a_marker(forged):
    late = LateParts()
    name = forged.format(nonce=late.nonce)
    html = PAGE.render(Context({"people": [Person(name)], CONTEXT_KEY: late}))
    # Not in a late block: escaped as any text; a marker with another nonce (another render's) stays text.
    other = Template("{{ n }}|{{ raw|safe }}").render(
        Context({"n": name, "raw": "<!--late 0123456789abcdef 0-->"})
    )
    filled = late.fill(html + other)
    assert filled.count("&lt;!--late") == 3 and "<!--late 0123456789abcdef 0-->" in filled
    assert filled.startswith('<li title="&lt;!--late')


def test_blocks_rendered_ahead_with_a_guess_are_used_as_they_were():
    people = [Person()]
    late = LateParts()
    html = PAGE.render(Context({"people": people, CONTEXT_KEY: late}))
    people[0].name = "Ana"  # the guess, attached while the round is under way
    ahead = late.render({"extra": "(guess)"})
    people[0].name = "Bo"  # what the round then says: the caller fills without the parts
    assert late.fill(html, parts=ahead) == '<li title="Ana">1. Ana (guess)</li>'
    assert late.fill(html, {"extra": "(now)"}) == '<li title="Bo">1. Bo (now)</li>'


def test_a_guess_that_fails_leaves_the_page_to_its_answer(rf, monkeypatch):
    """A guess is a head start only: if it raises, the page is rendered from the answer."""
    from django.contrib.auth.models import AnonymousUser

    from avodash import http

    monkeypatch.setattr(http, "render_to_string", lambda name, ctx, request: PAGE.render(Context(ctx)))
    person = Person()
    request = rf.get("/")
    request.user = AnonymousUser()

    def guess():
        raise RuntimeError("cache down")

    rendered, results = http.render_alongside(
        request, "any.html", None, lambda: {"people": [person]}, [lambda: "Ana"], guess=guess
    )
    assert rendered.ahead is None and results == ["Ana"]
    person.name = results[0]
    response = rendered.response(late=lambda: {"extra": "(now)"}, guessed=True)
    assert response.content.decode() == '<li title="Ana">1. Ana (now)</li>'
