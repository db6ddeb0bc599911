"""The form renderer (settings.FORM_RENDERER): Django's own, with its commonest templates written in
Python (issue 15).

Django renders every widget and every label through a template: an <input> is three templates
(its type's, input.html, attrs.html), an <option> two more, ~0.5 ms a field, so the incident page's
~30 fields and the people rows cost more than the rest of the page. The templates below are those
of `django/forms/templates/django/forms/`, character for character (whitespace included, every
value escaped as the template engine escapes it); tests/ssd/test_form_renderer.py renders every
widget kind both ways and compares. Anything else (another template, a custom option template, a
template given a request) goes to the template engine as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.safestring import SafeData

# What the form renderer's engine renders with: autoescape on, no request, default l10n and tz.
_CONTEXT = Context(autoescape=True)

INPUT = "django/forms/widgets/input.html"
# Each is exactly `{% include "django/forms/widgets/input.html" %}` in Django (checked by the tests).
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time",
        "checkbox", "search", "tel", "color", "file",
    )
)  # fmt: skip
SELECT = "django/forms/widgets/select.html"
SELECT_OPTION = "django/forms/widgets/select_option.html"
TEXTAREA = "django/forms/widgets/textarea.html"
LABEL = "django/forms/label.html"


def _out(value) -> str:
    """`{{ value }}`."""
    return render_value_in_context(value, _CONTEXT)


def _fmt(value) -> str:
    """`{{ value|stringformat:'s' }}` (the filter keeps a safe value safe)."""
    formatted = stringformat(value, "s")
    return formatted if isinstance(value, SafeData) else _out(formatted)


def _attrs(attrs: Mapping) -> str:
    """widgets/attrs.html and attrs.html (no attributes: None for a label without them)."""
    if not attrs:
        return ""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_out(name)}" if value is True else f' {_out(name)}="{_fmt(value)}"')
    return "".join(parts)


def _input(widget: Mapping) -> str:
    value = widget["value"]
    shown = f' value="{_fmt(value)}"' if value is not None else ""
    return f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'


def _select(widget: Mapping) -> str | None:
    parts = [f'<select name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_out(group_name)}">')
        for option in group_choices:
            if option["template_name"] != SELECT_OPTION:
                return None
            value, attrs, label = _fmt(option["value"]), _attrs(option["attrs"]), _out(option["label"])
            parts.append(f'\n  <option value="{value}"{attrs}>{label}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget: Mapping) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>\n{_out(value) if value else ""}</textarea>'
    )


def _label(context: Mapping) -> str:
    label = _out(context["label"])
    if not context["use_tag"]:
        return label.strip()  # as the renderer strips a template's output
    tag = _out(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"


_WIDGETS: dict[str, Callable[[Mapping], str | None]] = {
    **dict.fromkeys(INPUT_TEMPLATES, _input),
    SELECT: _select,
    TEXTAREA: _textarea,
}


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if request is None:
            if template_name == LABEL:
                return _label(context)
            fast = _WIDGETS.get(template_name)
            if fast is not None and "widget" in context:
                html = fast(context["widget"])
                if html is not None:
                    return html
        return super().render(template_name, context, request=request)
