"""Going through an irreversible action's confirmation step in tests: post the form, read the step's
hidden fields (token included), post them again."""
from __future__ import annotations

from html.parser import HTMLParser


class _HiddenFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.action: str | None = None
        self._in_step = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "div" and "confirm-step" in (attrs.get("class") or ""):
            self._in_step = True
        elif self._in_step and tag == "form" and self.action is None:
            self.action = attrs.get("action")
        elif self._in_step and tag == "input" and attrs.get("type") == "hidden":
            self.fields.append((attrs["name"], attrs.get("value") or ""))


def step_fields(html: str) -> list[tuple[str, str]]:
    """The hidden fields of a confirmation step's form (its submitted values, CSRF, the token)."""
    parser = _HiddenFields()
    parser.feed(html)
    assert parser.fields, "no confirmation step on this page"
    return parser.fields


def confirm(client, url: str, data: dict | None = None, **kwargs):
    """Post `data` to `url`, expect the confirmation step, then confirm it; the final response."""
    step = client.post(url, data=data or {})
    assert step.status_code == 200, step.get_data(as_text=True)[:2000]
    fields = step_fields(step.get_data(as_text=True))
    form: dict[str, list[str]] = {}
    for name, value in fields:
        form.setdefault(name, []).append(value)
    return client.post(url, data=form, **kwargs)
