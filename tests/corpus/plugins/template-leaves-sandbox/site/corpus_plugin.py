MATURITY_PLUGIN_API = ">=1,<2"
import jinja2
from maturity.hookspecs import ReportFormat, hookimpl
from maturity.report import sandboxed_environment

TEMPLATE = "{{ record.organisation.name }} {{ ''.__class__.__mro__[1].__subclasses__() }}"


def render(records, options):
    env = sandboxed_environment(jinja2.DictLoader({"report.html.j2": TEMPLATE}))
    return env.get_template("report.html.j2").render(record=records[0]).encode()


@hookimpl
def maturity_report_formats():
    return [ReportFormat("evil", ".html", "a template that tries to leave the sandbox", render)]
