"""The one typed facade between the engine and pluggy.

`create_host()` builds a fresh plugin manager (never at import time), registers the built-in
plugin, then every entry point of the group `maturity` unless `MATURITY_DISABLE_PLUGIN_AUTOLOAD`
is set. A plugin that fails to import, declares an unsupported plugin API or raises in a hook
stops the run with an error naming it and the hook; with `skip_broken=True` it is skipped
instead and listed, so the record shows that a score was produced without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from maturity import hookspecs
from maturity.errors import PluginError

__all__ = ["AUTOLOAD_ENV", "PluginHost", "PluginInfo", "create_host"]

AUTOLOAD_ENV = "MATURITY_DISABLE_PLUGIN_AUTOLOAD"


@dataclass(frozen=True, slots=True)
class PluginInfo:
    name: str
    version: str
    api: str
    module: str


@dataclass
class PluginHost:
    """Typed access to the hooks; each call names the plugin that raised."""

    manager: pluggy.PluginManager
    plugins: list[PluginInfo] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    skip_broken: bool = False

    def _collect(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        caller = getattr(self.manager.hook, hook)
        results: list[tuple[str, Any]] = []
        impls = sorted(caller.get_hookimpls(), key=lambda i: (i.plugin_name != "builtin",
                                                               i.plugin_name))
        for impl in impls:
            try:
                value = impl.function(**{k: kwargs[k] for k in impl.argnames})
            except Exception as exc:
                message = f"plugin {impl.plugin_name!r} raised in hook {hook}: " \
                          f"{type(exc).__name__}: {exc}"
                if self.skip_broken and impl.plugin_name != "builtin":
                    self.skipped.append({"name": impl.plugin_name, "hook": hook,
                                         "error": f"{type(exc).__name__}: {exc}"})
                    self.manager.unregister(name=impl.plugin_name)
                    continue
                raise PluginError(
                    message,
                    code="plugin.hook-failed",
                    file=impl.plugin_name,
                    location=hook,
                    expected="the hook to return normally",
                    found=f"{type(exc).__name__}: {exc}",
                    fix="fix or uninstall the plugin, or run with --skip-broken-plugins",
                ) from exc
            if value is not None:
                results.append((impl.plugin_name, value))
        return results

    def _flat(self, hook: str) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        for name, value in self._collect(hook):
            if not isinstance(value, list | tuple):
                raise PluginError(
                    f"plugin {name!r} returned {type(value).__name__} from hook {hook}",
                    code="plugin.bad-return",
                    file=name,
                    location=hook,
                    expected="a list",
                    found=type(value).__name__,
                    fix="return a list from the hook",
                )
            out.extend((name, item) for item in value)
        return out

    def rule_packs(self) -> list[tuple[str, hookspecs.PackLocation]]:
        return self._flat("maturity_rule_packs")

    def check_types(self) -> list[tuple[str, Any]]:
        return self._flat("maturity_check_types")

    def evidence_loaders(self) -> list[tuple[str, Any]]:
        return self._flat("maturity_evidence_loaders")

    def bundle_source(self, path: Path) -> hookspecs.BundleSource | None:
        for _name, value in self._collect("maturity_bundle_source", path=path):
            return value  # type: ignore[no-any-return]
        return None

    def scoring_models(self) -> list[tuple[str, Any]]:
        return self._flat("maturity_scoring_models")

    def report_formats(self) -> list[tuple[str, hookspecs.ReportFormat]]:
        return self._flat("maturity_report_formats")

    def translations(self) -> list[tuple[str, hookspecs.TranslationCatalogue]]:
        return self._flat("maturity_translations")

    def profiles(self) -> list[tuple[str, Any]]:
        return self._flat("maturity_profiles")


def _api_range(module: ModuleType, name: str) -> str:
    declared = getattr(module, "MATURITY_PLUGIN_API", None)
    if not isinstance(declared, str):
        raise PluginError(
            f"plugin {name!r} does not declare the plugin API it supports",
            code="plugin.no-api",
            file=name,
            location="MATURITY_PLUGIN_API",
            expected=f'a version range such as ">=1,<2" (this engine: {hookspecs.PLUGIN_API})',
            found=repr(declared),
            fix="set MATURITY_PLUGIN_API in the plugin module",
        )
    return declared


def _check_api(module: ModuleType, name: str, version: str) -> str:
    declared = _api_range(module, name)
    try:
        spec = SpecifierSet(declared)
    except InvalidSpecifier:
        raise PluginError(
            f"plugin {name!r} {version} declares an unreadable plugin API range",
            code="plugin.api-range",
            file=name,
            location="MATURITY_PLUGIN_API",
            expected='a version range such as ">=1,<2"',
            found=repr(declared),
            fix="correct MATURITY_PLUGIN_API",
        ) from None
    if Version(hookspecs.PLUGIN_API) not in spec:
        raise PluginError(
            f"plugin {name!r} {version} supports plugin API {declared}, "
            f"but this engine provides {hookspecs.PLUGIN_API}",
            code="plugin.api-mismatch",
            file=name,
            location="MATURITY_PLUGIN_API",
            expected=f"a range that includes {hookspecs.PLUGIN_API}",
            found=declared,
            fix="install a version of the plugin made for this engine",
        )
    return declared


def _entry_points() -> list[EntryPoint]:
    return sorted(entry_points(group="maturity"), key=lambda e: e.name)


def create_host(
    *,
    autoload: bool | None = None,
    skip_broken: bool = False,
    extra: Sequence[tuple[str, ModuleType | object]] = (),
) -> PluginHost:
    """A plugin host with the built-in plugin, installed plugins and `extra` ones."""
    from maturity import __version__, builtin

    manager = pluggy.PluginManager("maturity")
    manager.add_hookspecs(hookspecs)
    host = PluginHost(manager, skip_broken=skip_broken)
    manager.register(builtin, name="builtin")
    host.plugins.append(PluginInfo("builtin", __version__, builtin.MATURITY_PLUGIN_API,
                                   "maturity.builtin"))
    if autoload is None:
        autoload = not os.environ.get(AUTOLOAD_ENV)
    candidates: list[tuple[str, str, Any]] = []
    if autoload:
        for ep in _entry_points():
            if ep.value == "maturity.builtin":
                continue
            version = ep.dist.version if ep.dist is not None else "unknown"
            try:
                module = ep.load()
            except Exception as exc:
                if skip_broken:
                    host.skipped.append({"name": ep.name, "hook": "import",
                                         "error": f"{type(exc).__name__}: {exc}"})
                    continue
                raise PluginError(
                    f"plugin {ep.name!r} failed to import: {type(exc).__name__}: {exc}",
                    code="plugin.import-failed",
                    file=ep.name,
                    location=f"entry point {ep.value}",
                    expected="an importable module",
                    found=f"{type(exc).__name__}: {exc}",
                    fix="reinstall the plugin, or run with --skip-broken-plugins",
                ) from exc
            candidates.append((ep.name, version, module))
    for name, module in extra:
        candidates.append((name, getattr(module, "__version__", "0"), module))
    for name, version, module in candidates:
        try:
            api = _check_api(module, name, version)
            manager.register(module, name=name)
        except PluginError:
            if skip_broken:
                host.skipped.append({"name": name, "hook": "load",
                                     "error": "unsupported or missing plugin API"})
                continue
            raise
        except ValueError as exc:
            raise PluginError(
                f"plugin {name!r} could not be registered: {exc}",
                code="plugin.register-failed",
                file=name,
                found=str(exc),
                fix="check the plugin's hook implementations",
            ) from exc
        host.plugins.append(PluginInfo(name, version, api, getattr(module, "__name__", name)))
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(
            f"a plugin implements an unknown hook: {exc}",
            code="plugin.unknown-hook",
            file=getattr(exc, "plugin_name", None) or "plugin",
            expected="hooks named in maturity.hookspecs",
            found=str(exc),
            fix="check the hook name's spelling",
        ) from exc
    return host


def plugin_records(host: PluginHost) -> list[dict[str, str]]:
    return [{"name": p.name, "version": p.version} for p in sorted(host.plugins,
                                                                     key=lambda p: p.name)]


def iter_names(items: Iterable[tuple[str, Any]]) -> list[str]:
    return sorted({name for name, _ in items})
