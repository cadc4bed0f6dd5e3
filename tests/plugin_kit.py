"""Real tiny plugins for the plugin tests: modules written to disk and imported, and installed
distributions (a `*.dist-info` with an entry point in the group `maturity`) on `sys.path`.

Nothing here imitates pluggy or importlib: the host under test registers, imports and calls
these plugins exactly as it would a plugin installed with pip.
"""

from __future__ import annotations

import importlib
import itertools
import sys
import textwrap
from pathlib import Path
from types import ModuleType

HEADER = """\
from maturity.hookspecs import hookimpl
MATURITY_PLUGIN_API = ">=1,<2"
"""

_counter = itertools.count()


class PluginSite:
    """A directory on `sys.path` where tests write plugin modules and distributions."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: list[str] = []

    def _write(self, source: str, header: bool) -> str:
        name = f"tiny_plugin_{next(_counter)}_{abs(hash(self.root)) % 10**6}"
        text = (HEADER if header else "") + textwrap.dedent(source)
        (self.root / f"{name}.py").write_text(text, encoding="utf-8")
        self.modules.append(name)
        return name

    def module(self, source: str, *, header: bool = True) -> ModuleType:
        """A real module, imported from a file (for `create_host(extra=...)`)."""
        importlib.invalidate_caches()
        return importlib.import_module(self._write(source, header))

    def install(self, entry_name: str, source: str, *, version: str = "0.1.0",
                header: bool = True) -> str:
        """A distribution with an entry point `entry_name` in the group `maturity`, as pip
        would leave it; returns the module name. The module is imported only by the host."""
        module = self._write(source, header)
        dist = self.root / f"{module}-{version}.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {module}\nVersion: {version}\n", encoding="utf-8")
        (dist / "entry_points.txt").write_text(
            f"[maturity]\n{entry_name} = {module}\n", encoding="utf-8")
        importlib.invalidate_caches()
        return module

    def forget(self) -> None:
        for name in self.modules:
            sys.modules.pop(name, None)
