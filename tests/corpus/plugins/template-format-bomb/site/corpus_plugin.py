MATURITY_PLUGIN_API = ">=1,<2"
from maturity.hookspecs import hookimpl
from maturity.report import template_format


@hookimpl
def maturity_report_formats():
    return [template_format("mine", '.html', "a template a plugin ships", "{{ 'lol' * 10**9 }}")]
