"""Parts of a page that wait on its last API round, while the rest is rendered before it answers.

A page whose last round only adds detail to what is already known (the contacts' names on a
queue of tickets) need not render after that round: `avodash.http.render_alongside` renders it
while the round is under way, and each `{% late %}...{% endlate %}` block in the template
(the bits that read the round's answer) stands in the page as a marker. Once the answer is in
and attached to the page's objects, `fill()` renders each block with the context it met and
puts it in the marker's place (with the variables only that answer could give, when the page
has such). Rendered any other way (no `LateParts` in the context), a `{% late %}` block is
rendered in place, like any other.

A block must not read what changes after it (a `{% for %}` loop's `forloop`): it keeps the
values its context held when it was met, the objects in them as they are at `fill()`.

A page that can guess the round's answer (the contact its ticket had a moment ago) renders the
blocks with the guess while the round is under way (`render_alongside(guess=...)`), and uses them
when the answer is what was guessed; otherwise they are rendered once it is in, as above.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.template import Context, NodeList

CONTEXT_KEY = "late_parts"


class LateParts:
    """The late blocks met in one render, and the markers that stand in for them. A marker
    carries a nonce made for this render: text from the API, escaped in the page, cannot spell
    one, nor can a marker left by another render."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(8)
        self._parts: list[tuple[NodeList, Context]] = []
        self._marker = re.compile(rf"<!--late {self.nonce} (\d+)-->")

    def __len__(self) -> int:
        return len(self._parts)

    def defer(self, nodelist: NodeList, context: Context) -> str:
        """A marker for `nodelist`, to be rendered by `fill()` with `context`'s values as now."""
        self._parts.append((nodelist, context.new(context.flatten())))
        return f"<!--late {self.nonce} {len(self._parts) - 1}-->"

    def render(self, values: dict[str, Any] | None = None) -> list[str]:
        """Every block, rendered now; `values`: variables only the last round could give (the
        blocks see them beside the ones they met)."""
        rendered = []
        for nodelist, context in self._parts:
            if values:
                context.update(values)
            rendered.append(nodelist.render(context))
        return rendered

    def fill(self, html: str, values: dict[str, Any] | None = None, *, parts: list[str] | None = None) -> str:
        """`html` with every marker replaced by its block, rendered now with `values` (see
        `render`), or `parts`: the blocks as `render` made them earlier."""
        if not self._parts:
            return html
        rendered = self.render(values) if parts is None else parts
        return self._marker.sub(lambda m: rendered[int(m[1])], html)
