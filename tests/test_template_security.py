"""Templates cannot be turned against the reader: autoescaping everywhere, a bounded sandbox for
the templates plugins ship, and translated messages escaped like any other text.

The corpus (`tests/corpus/markup/`) renders hostile packs, evidence, waivers and records through
the real command line; these tests pin the mechanisms those cases rely on.
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any

import jinja2
import jinja2.sandbox
import pytest

from maturity.i18n import Language, install
from maturity.report import environment, sandboxed_environment

TEMPLATES = sorted(
    entry.name for entry in files("maturity.reports").iterdir() if entry.name.endswith(".j2")
)

#: Attempts to leave the sandbox or exhaust the machine from a plugin's template.
ESCAPES = {
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals-of-a-builtin": "{{ cycler.__init__.__globals__.os }}",
    "globals-of-lipsum": "{{ lipsum.__globals__['os'] }}",
    "self-reference": "{{ self.__init__.__globals__ }}",
    "format-string": "{{ '{0.__class__.__init__.__globals__}'.format(record) }}",
    "format-map": "{{ '{x.__class__}'.format_map({'x': record}) }}",
    "mutate-the-record": "{{ record.outcomes.append(1) }}",
    "mutate-a-dict": "{{ record.organisation.update(name='x') }}",
    "huge-string": "{{ 'x' * 10**9 }}",
    "huge-list": "{{ [0] * 10**9 }}",
    "huge-power": "{{ 10 ** 100000000 }}",
    "huge-range": "{% for i in range(10**9) %}{% endfor %}",
}


@pytest.mark.parametrize("name", TEMPLATES)
def test_html_and_svg_templates_are_autoescaped(name: str) -> None:
    markup = name.endswith((".html.j2", ".svg.j2"))
    autoescape = environment().autoescape
    sandboxed = sandboxed_environment(jinja2.DictLoader({})).autoescape
    assert callable(autoescape) and callable(sandboxed)  # select_autoescape, not a bool
    assert bool(autoescape(name)) is markup
    assert bool(sandboxed(name)) is markup


#: The values templates may mark `| safe`: SVG charts (`maturity.charts`, and the compare and
#: trend charts built the same way) that escape every text they draw.
CHART = re.compile(r"[\w.]*\b(charts?(\.\w+)?|heatmap|boxplot|radar|bars|timeline)")


@pytest.mark.parametrize("name", TEMPLATES)
def test_only_chart_output_is_marked_safe(name: str) -> None:
    """`| safe` turns autoescaping off for one value: only a chart may carry it. A new use
    fails here until it is shown to escape its text and added to CHART."""
    source = files("maturity.reports").joinpath(name).read_text(encoding="utf-8")
    for expression in re.findall(r"\{\{\s*([^}|]+?)\s*\|\s*safe\b", source):
        assert CHART.fullmatch(expression), (name, expression)


@pytest.mark.parametrize("attempt", sorted(ESCAPES), ids=str)
def test_plugin_templates_cannot_leave_the_sandbox(attempt: str) -> None:
    env = sandboxed_environment(jinja2.DictLoader({"plugin.html.j2": ESCAPES[attempt]}))
    record = {"organisation": {"name": "Ministry"}, "outcomes": []}
    with pytest.raises((jinja2.exceptions.SecurityError, OverflowError)):
        env.get_template("plugin.html.j2").render(record=record)
    assert record == {"organisation": {"name": "Ministry"}, "outcomes": []}


def test_the_sandbox_still_renders_ordinary_templates() -> None:
    env = sandboxed_environment(jinja2.DictLoader({
        "plugin.html.j2": "{% for o in record.outcomes %}<li>{{ o.rule }} {{ 2 ** 10 }} "
                          "{{ '-' * 3 }}</li>{% endfor %}",
    }))
    html = env.get_template("plugin.html.j2").render(
        record={"outcomes": [{"rule": "<b>A-1</b>"}]})
    assert html == "<li>&lt;b&gt;A-1&lt;/b&gt; 1024 ---</li>"


def _translated(autoescape: bool, messages: dict[str, str]) -> str:
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    install(env, Language.build("fr", messages=messages))
    template = env.from_string(
        "{{ _('Score') }}|{{ _('%(n)s rules', n=name) }}|{% trans %}Score{% endtrans %}")
    return template.render(name="<i>x</i>")


def test_translated_messages_are_escaped_in_html() -> None:
    """jinja2 takes translations for trusted markup; plugins' messages are not."""
    hostile: dict[str, Any] = {"Score": "<script>alert(1)</script>",
                               "%(n)s rules": "<b>%(n)s</b> règles"}
    html = _translated(True, hostile)
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert html == ("&lt;script&gt;alert(1)&lt;/script&gt;|&lt;b&gt;&lt;i&gt;x&lt;/i&gt;&lt;/b&gt;"
                    " règles|&lt;script&gt;alert(1)&lt;/script&gt;")
    # Outside HTML (Markdown, text) the message stays as written; those templates escape it.
    assert _translated(False, hostile).startswith("<script>alert(1)</script>|")


def test_a_plugin_template_format_renders_escaped_in_the_sandbox() -> None:
    from maturity.report import template_format

    fmt = template_format("names", ".html", "organisation names",
                          "<p>{{ record.organisation.name }}</p>")
    record = {"organisation": {"name": "<script>x</script>"}}
    assert fmt.render([record], {}) == b"<p>&lt;script&gt;x&lt;/script&gt;</p>"
    hostile = template_format("probe", ".html", "probe", "{{ ''.__class__.__mro__ }}")
    with pytest.raises(jinja2.exceptions.SecurityError):
        hostile.render([record], {})
