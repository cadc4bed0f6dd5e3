"""The one typed facade between the engine and pluggy.

`create_host()` builds a fresh plugin manager (never at import time), registers the built-in
plugin, then every entry point of the group `maturity` unless `MATURITY_DISABLE_PLUGIN_AUTOLOAD`
is set, then any `extra` plugins. It then calls every hook of every plugin once and checks what
each returns, so a plugin that fails to import, declares an unsupported plugin API, implements
an unknown hook, or raises in (or returns the wrong thing from) any hook stops the run with a
`PluginError` naming the plugin and the hook before any of its contributions is used. With
`skip_broken=True` such a plugin is skipped as a whole instead, and `skipped` lists it for the
record, so a score is never silently produced without it.

Contributions are returned as (plugin name, item) pairs, the built-in plugin first and the
others by name, so every run sees them in the same order. Two plugins contributing the same
check operator, file suffix, scoring model, report format or profile id is an error: neither is
allowed to shadow the other.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from maturity import hookspecs
from maturity.catalogues import TranslationCatalogue
from maturity.checks import BadShape, CheckType, EvalContext, Missing, describe_value
from maturity.errors import MaturityError, PluginError, did_you_mean
from maturity.evidence import EvidenceLoader, Parser
from maturity.hookspecs import BundleSource, PackLocation, ReportFormat
from maturity.limits import Limits
from maturity.profiles import Profile
from maturity.scoring import ScoringModel

__all__ = [
    "AUTOLOAD_ENV",
    "BUILTIN",
    "PluginHost",
    "PluginInfo",
    "SkippedPlugin",
    "create_host",
    "describe_plugins",
    "plugin_records",
]

AUTOLOAD_ENV = "MATURITY_DISABLE_PLUGIN_AUTOLOAD"
BUILTIN = "builtin"

T = TypeVar("T")

#: What each list hook must return items of.
_ITEM_TYPES: dict[str, type] = {
    "maturity_rule_packs": PackLocation,
    "maturity_check_types": CheckType,
    "maturity_evidence_loaders": EvidenceLoader,
    "maturity_scoring_models": ScoringModel,
    "maturity_report_formats": ReportFormat,
    "maturity_translations": TranslationCatalogue,
    "maturity_profiles": Profile,
}
_EXCEPTION_CODES = frozenset({"plugin.hook-failed", "plugin.import-failed"})


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """A plugin in use: its name (entry point), distribution version, API range and module."""

    name: str
    version: str
    api: str
    module: str


@dataclass(frozen=True, slots=True)
class SkippedPlugin:
    """A broken plugin left out under `skip_broken`; `stage` is "import", "api" or a hook."""

    name: str
    version: str
    stage: str
    error: str

    def as_record(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "hook": self.stage,
                "error": self.error}


def _describe(exc: BaseException) -> str:
    # The project's own errors keep where they happened (a plugin's profile or pack file).
    if isinstance(exc, MaturityError):
        text = f"{exc.where()}: {exc.message}" if exc.where() else exc.message
    else:
        text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _hook_failed(plugin: str, hook: str, exc: BaseException) -> PluginError:
    own_fix = exc.fix if isinstance(exc, MaturityError) and exc.fix else None
    return PluginError(
        f"plugin {plugin!r} raised in hook {hook}: {_describe(exc)}",
        code="plugin.hook-failed",
        file=plugin,
        location=hook,
        expected="the hook to return normally",
        found=_describe(exc),
        fix=f"the plugin's file needs fixing ({own_fix}); meanwhile uninstall the plugin, "
        "or run with --skip-broken-plugins" if own_fix else
        "fix or uninstall the plugin, or run with --skip-broken-plugins",
    )


def _bad_return(plugin: str, hook: str, expected: str, found: Any) -> PluginError:
    shown = type(found).__name__
    return PluginError(
        f"plugin {plugin!r} returned {shown} from hook {hook}",
        code="plugin.bad-return",
        file=plugin,
        location=hook,
        expected=expected,
        found=shown,
        fix="return what docs/plugins.md gives for this hook",
    )


def _attributed(plugin: str, what: str, function: Callable[..., T],
                passthrough: tuple[type[BaseException], ...] = (),
                file: str | None = None) -> Callable[..., T]:
    """`function`, with any unexpected exception turned into a PluginError naming the plugin
    (and `file`, the input it was reading, when there is one).

    Errors the engine's contract lets plugins raise (the project's own errors, and those in
    `passthrough`) go through unchanged.
    """

    def call(*args: Any, **kwargs: Any) -> T:
        try:
            return function(*args, **kwargs)
        except MaturityError:
            raise
        except Exception as exc:
            if isinstance(exc, passthrough):
                raise
            raise PluginError(
                f"plugin {plugin!r} raised in {what}: {_describe(exc)}",
                code="plugin.raised",
                file=file or plugin,
                location=what,
                expected="the plugin's code to return normally",
                found=_describe(exc),
                fix="fix or uninstall the plugin",
            ) from exc

    return call


def _attributed_iterable(plugin: str, what: str, function: Callable[[], Iterable[T]],
                         file: str | None = None) -> Callable[[], Iterator[T]]:
    """Like `_attributed`, for a function returning an iterable read lazily (a generator's
    body runs while it is iterated, after the call has returned)."""

    def read() -> Iterator[T]:
        iterator = _attributed(plugin, what, lambda: iter(function()), file=file)()
        step = _attributed(plugin, what, next, file=file)
        end = object()
        while (item := step(iterator, end)) is not end:
            yield item

    return read


def _check_test(plugin: str, operator: str, test: Callable[..., Any]) -> Callable[..., Any]:
    """A plugin's test of an evidence value: a failure names the plugin, and the evidence file
    and key path of the value (the engine adds the rule reading it)."""

    def run(value: Any, ctx: EvalContext, path: str) -> Any:
        try:
            result = test(value, ctx, path)
        except MaturityError:
            raise
        except Exception as exc:
            raise PluginError(
                f"plugin {plugin!r} raised in its check {operator!r} on this value: "
                f"{_describe(exc)}",
                code="plugin.raised",
                file=ctx.file_of(path),
                location=path,
                expected="the check to give a credit for any value (or BadShape for a value "
                "of the wrong type)",
                found=f"{_describe(exc)}, on {describe_value(value)}",
                fix=f"fix or uninstall the plugin {plugin!r}; meanwhile check the value",
            ) from exc
        if isinstance(result, Missing | BadShape):
            return result
        if (isinstance(result, int | float) and not isinstance(result, bool)
                and 0.0 <= result <= 1.0):
            return float(result)
        # A credit outside [0, 1] would be written into a record no reader accepts.
        raise PluginError(
            f"plugin {plugin!r} gave an invalid result in its check {operator!r}",
            code="plugin.raised",
            file=ctx.file_of(path),
            location=path,
            expected="a credit from 0 to 1 (or Missing, or BadShape)",
            found=f"{result!r}"[:80] + f", on {describe_value(value)}",
            fix=f"fix or uninstall the plugin {plugin!r}",
        )

    return run


def _loader_parse(plugin: str, name: str, parse: Parser) -> Parser:
    """A plugin's evidence loader: a failure names the plugin and the file it was reading (and
    the line, when the exception carries one, as parsers' errors often do)."""

    def run(data: bytes, display: str, limits: Limits) -> Any:
        try:
            return parse(data, display, limits)
        except MaturityError:
            raise
        except Exception as exc:
            line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
            where = None
            if isinstance(line, int):
                where = f"line {line}" + (f", column {column}" if isinstance(column, int)
                                          else "")
            raise PluginError(
                f"plugin {plugin!r} raised in its evidence loader {name!r} reading this file: "
                f"{_describe(exc)}",
                code="plugin.raised",
                file=display,
                location=where,
                expected="the loader to return the file's evidence, or raise EvidenceError "
                "naming the problem",
                found=_describe(exc),
                fix=f"fix or uninstall the plugin {plugin!r}; meanwhile check the file, or "
                "convert it to TOML, JSON, YAML or XLSX",
            ) from exc

    return run


def _guard(plugin: str, hook: str, item: Any) -> Any:
    """Third-party callables wrapped so a later failure still names the plugin."""
    if plugin == BUILTIN:
        return item
    if isinstance(item, CheckType):
        operator = item.operator

        def build(param: Any) -> Any:
            return _check_test(plugin, operator, item.build(param))

        return dataclasses.replace(item, build=_attributed(
            plugin, f"check {operator!r} ({hook})", build, (ValueError,)))
    if isinstance(item, EvidenceLoader):
        return dataclasses.replace(item, parse=_loader_parse(plugin, item.name, item.parse))
    if isinstance(item, ReportFormat):
        return dataclasses.replace(item, render=_attributed(
            plugin, f"report format {item.name!r} ({hook})", item.render))
    if isinstance(item, ScoringModel):
        what = f"scoring model {item.name!r} ({hook})"
        return dataclasses.replace(item, rule_score=_attributed(plugin, what, item.rule_score),
                                   index=_attributed(plugin, what, item.index))
    return item


class PluginHost:
    """Typed access to what plugins contribute; each failure names the plugin and the hook."""

    def __init__(self, manager: pluggy.PluginManager, *, skip_broken: bool = False) -> None:
        self.manager = manager
        self.skip_broken = skip_broken
        self.plugins: list[PluginInfo] = []
        self.skipped: list[SkippedPlugin] = []
        self._contributions: dict[str, list[tuple[str, Any]]] = {}

    # -- loading -----------------------------------------------------------------------------

    def _order(self, names: Iterable[str]) -> list[str]:
        return sorted(set(names), key=lambda n: (n != BUILTIN, n))

    def _impls(self, hook: str) -> list[Any]:
        caller = getattr(self.manager.hook, hook)
        impls = {impl.plugin_name: impl for impl in caller.get_hookimpls()}
        return [impls[name] for name in self._order(impls)]

    def _fail(self, plugin: str, stage: str, error: MaturityError,
              version: str | None = None) -> None:
        """Stop the run, or (skip_broken, third-party plugin) leave the plugin out entirely."""
        if not self.skip_broken or plugin == BUILTIN:
            raise error
        if any(s.name == plugin for s in self.skipped):
            return
        if version is None:
            version = next((p.version for p in self.plugins if p.name == plugin), "unknown")
        # The record keeps what went wrong: the exception for a failure in code, else the error.
        if error.code in _EXCEPTION_CODES and error.found:
            reason = error.found
        elif isinstance(error, PluginError):
            reason = error.message
        else:
            reason = error.render().splitlines()[0]
        self.skipped.append(SkippedPlugin(plugin, version, stage, reason))
        self.plugins = [p for p in self.plugins if p.name != plugin]
        for hook, items in self._contributions.items():
            self._contributions[hook] = [(n, i) for n, i in items if n != plugin]
        if self.manager.has_plugin(plugin):
            self.manager.unregister(name=plugin)

    def skip_or_raise(self, plugin: str, stage: str, error: MaturityError) -> None:
        """For the engine, when a plugin's contribution turns out broken once used (a pack that
        does not load): raise `error`, or under `skip_broken` leave the plugin out and list it.
        Call it before any other contribution of the plugin is used."""
        self._fail(plugin, stage, error)

    def active(self, plugin: str) -> bool:
        """Whether the plugin is in use (loaded and not skipped)."""
        return any(p.name == plugin for p in self.plugins)

    def _collect(self) -> None:
        """Call every list hook of every plugin once, checking what each returns."""
        for hook, item_type in _ITEM_TYPES.items():
            self._contributions[hook] = []
            for impl in self._impls(hook):
                name = impl.plugin_name
                try:
                    value = impl.function()
                except Exception as exc:
                    self._fail(name, hook, _hook_failed(name, hook, exc))
                    continue
                problem = self._check_items(name, hook, value, item_type)
                if problem is not None:
                    self._fail(name, hook, problem)
                    continue
                self._contributions[hook].extend((name, _guard(name, hook, v)) for v in value)

    @staticmethod
    def _check_items(plugin: str, hook: str, value: Any, item_type: type) -> PluginError | None:
        wanted = item_type.__name__
        if not isinstance(value, list | tuple):
            return _bad_return(plugin, hook, f"a list of {wanted}", value)
        for item in value:
            if not isinstance(item, item_type):
                return _bad_return(plugin, hook, f"a list of {wanted}", item)
            if isinstance(item, PackLocation) and not isinstance(item.path, Path | Traversable):
                return _bad_return(plugin, hook, "PackLocation.path as a Path or Traversable",
                                   item.path)
        return None

    # -- contributions -----------------------------------------------------------------------

    def _unique(self, hook: str, keys: Callable[[Any], Iterable[str]], what: str,
                ) -> list[tuple[str, Any]]:
        items = self._contributions.get(hook, [])
        owner: dict[str, str] = {}
        for plugin, item in items:
            for key in keys(item):
                if key in owner:
                    first = owner[key]
                    raise PluginError(
                        f"{what} {key!r} is contributed twice"
                        + (f", by plugins {first!r} and {plugin!r}" if first != plugin
                           else f" by plugin {plugin!r}"),
                        code="plugin.conflict",
                        file=plugin,
                        location=hook,
                        expected=f"each {what} from one plugin only",
                        found=f"{key!r} also from {first!r}",
                        fix="uninstall one of the plugins (a plugin never shadows another)",
                    )
                owner[key] = plugin
        return list(items)

    def rule_packs(self) -> list[tuple[str, PackLocation]]:
        return list(self._contributions.get("maturity_rule_packs", []))

    def check_types(self) -> list[tuple[str, CheckType]]:
        return self._unique("maturity_check_types", lambda t: [t.operator], "check operator")

    def evidence_loaders(self) -> list[tuple[str, EvidenceLoader]]:
        return self._unique("maturity_evidence_loaders",
                            lambda e: [s.lower() for s in e.suffixes], "evidence file suffix")

    def scoring_models(self) -> list[tuple[str, ScoringModel]]:
        return self._unique("maturity_scoring_models", lambda m: [m.name], "scoring model")

    def report_formats(self) -> list[tuple[str, ReportFormat]]:
        return self._unique("maturity_report_formats", lambda f: [f.name], "report format")

    def translations(self) -> list[tuple[str, TranslationCatalogue]]:
        return list(self._contributions.get("maturity_translations", []))

    def profiles(self) -> list[tuple[str, Profile]]:
        return self._unique("maturity_profiles", lambda p: [p.id], "profile id")

    def contributions(self) -> dict[str, list[tuple[str, Any]]]:
        """Everything each plugin contributes, by hook, without the conflict checks (for
        `maturity plugins`, which must work when two plugins conflict)."""
        return {hook: list(items) for hook, items in self._contributions.items()}

    def bundle_source(self, path: Path) -> BundleSource | None:
        """The first plugin's reading of a directory in its own layout, or None."""
        hook = "maturity_bundle_source"
        for impl in self._impls(hook):
            name = impl.plugin_name
            try:
                value = impl.function(**{arg: path for arg in impl.argnames})
            except Exception as exc:
                self._fail(name, hook, _hook_failed(name, hook, exc))
                continue
            if value is None:
                continue
            if not isinstance(value, BundleSource):
                self._fail(name, hook, _bad_return(name, hook, "a BundleSource or None", value))
                continue
            if name == BUILTIN:
                return value
            return dataclasses.replace(value, bundles=_attributed_iterable(
                name, f"bundle source {value.name!r} ({hook})", value.bundles, str(path)))
        return None

    def skipped_records(self) -> list[dict[str, str]]:
        return [s.as_record() for s in self.skipped]


def _declared_api(plugin: object, name: str, version: str) -> str:
    declared = getattr(plugin, "MATURITY_PLUGIN_API", None)
    if not isinstance(declared, str):
        raise PluginError(
            f"plugin {name!r} {version} does not declare the plugin API it supports",
            code="plugin.no-api",
            file=name,
            location="MATURITY_PLUGIN_API",
            expected=f'a version range such as ">=1,<2" (this engine: {hookspecs.PLUGIN_API})',
            found=repr(declared),
            fix="set MATURITY_PLUGIN_API in the plugin module",
        )
    try:
        spec = SpecifierSet(declared)
        if not declared.strip():  # an empty range would accept every engine, past and future
            raise InvalidSpecifier(declared)
    except InvalidSpecifier:
        raise PluginError(
            f"plugin {name!r} {version} declares an unreadable plugin API range {declared!r}",
            code="plugin.api-range",
            file=name,
            location="MATURITY_PLUGIN_API",
            expected='a version range such as ">=1,<2"',
            found=repr(declared),
            fix="correct MATURITY_PLUGIN_API",
        ) from None
    if not spec.contains(Version(hookspecs.PLUGIN_API), prereleases=True):
        raise PluginError(
            f"plugin {name!r} {version} supports plugin API {declared!r}, "
            f"but this engine provides plugin API {hookspecs.PLUGIN_API}",
            code="plugin.api-mismatch",
            file=name,
            location="MATURITY_PLUGIN_API",
            expected=f"a range that includes {hookspecs.PLUGIN_API}",
            found=declared,
            fix=f"install a version of {name!r} made for plugin API {hookspecs.PLUGIN_API}, "
            "or a maturity version in its range",
        )
    return declared


def _entry_points() -> list[EntryPoint]:
    return sorted(entry_points(group="maturity"), key=lambda e: e.name)


def _register(host: PluginHost, name: str, version: str, plugin: object) -> None:
    try:
        api = _declared_api(plugin, name, version)
    except PluginError as exc:
        host._fail(name, "api", exc, version)
        return
    module = getattr(plugin, "__name__", type(plugin).__name__)
    host.plugins.append(PluginInfo(name, version, api, module))
    try:
        host.manager.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as exc:
        host._fail(name, "register", PluginError(
            f"plugin {name!r} {version} could not be registered: {exc}",
            code="plugin.register-failed",
            file=name,
            location="register",
            expected="hook implementations matching maturity.hookspecs, under a unique name",
            found=str(exc),
            fix="check the hooks' argument names, and that the plugin is installed once",
        ))
        return
    for impl in host.manager.get_hookcallers(plugin) or []:
        for hookimpl in impl.get_hookimpls():
            if hookimpl.plugin_name == name and (hookimpl.hookwrapper or hookimpl.wrapper):
                host._fail(name, "register", PluginError(
                    f"plugin {name!r} implements {impl.name} as a wrapper",
                    code="plugin.wrapper",
                    file=name,
                    location=impl.name,
                    expected="plain hook implementations (each contributes, none filters)",
                    found="hookwrapper/wrapper",
                    fix="return contributions instead; tailor packs with a profile",
                ))
                return


def create_host(
    *,
    autoload: bool | None = None,
    skip_broken: bool = False,
    extra: Sequence[tuple[str, object]] = (),
) -> PluginHost:
    """A plugin host with the built-in plugin, installed plugins and `extra` ones.

    `autoload=None` loads installed entry points unless `MATURITY_DISABLE_PLUGIN_AUTOLOAD` is
    set (to anything but "" or "0"). `extra` are (name, module or object) pairs, registered like
    entry points (tests, notebooks, embedding applications).
    """
    from maturity import __version__, builtin

    manager = pluggy.PluginManager("maturity")
    manager.add_hookspecs(hookspecs)
    host = PluginHost(manager, skip_broken=skip_broken)
    _register(host, BUILTIN, __version__, builtin)
    if autoload is None:
        autoload = os.environ.get(AUTOLOAD_ENV, "") in ("", "0")
    if autoload:
        for ep in _entry_points():
            if ep.value == "maturity.builtin":
                continue
            version = ep.dist.version if ep.dist is not None else "unknown"
            try:
                plugin = ep.load()
            except Exception as exc:
                host._fail(ep.name, "import", PluginError(
                    f"plugin {ep.name!r} {version} failed to import: {_describe(exc)}",
                    code="plugin.import-failed",
                    file=ep.name,
                    location=f"import of entry point {ep.value}",
                    expected="an importable module",
                    found=_describe(exc),
                    fix="reinstall the plugin, or run with --skip-broken-plugins",
                ), version)
                continue
            _register(host, ep.name, version, plugin)
    for name, plugin in extra:
        _register(host, name, str(getattr(plugin, "__version__", "unknown")), plugin)
    for name, stage, problem in _pending_problems(manager):
        host._fail(name, stage, problem)
    host._collect()
    return host


def _pending_problems(manager: pluggy.PluginManager) -> list[tuple[str, str, PluginError]]:
    """Implementations of hooks that do not exist (a misspelled hook name is not a no-op)."""
    problems: list[tuple[str, str, PluginError]] = []
    for hook_name, caller in sorted(vars(manager.hook).items()):
        if not isinstance(caller, pluggy.HookCaller) or caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            hint = did_you_mean(hook_name, hookspecs.HOOK_NAMES)
            problems.append((impl.plugin_name, hook_name, PluginError(
                f"plugin {impl.plugin_name!r} implements an unknown hook {hook_name}",
                code="plugin.unknown-hook",
                file=impl.plugin_name,
                location=hook_name,
                expected="one of " + ", ".join(hookspecs.HOOK_NAMES),
                found=hook_name,
                fix=f"did you mean {hint!r}?" if hint else "check the hook name's spelling",
            )))
    return problems


def plugin_records(host: PluginHost) -> list[dict[str, str]]:
    """The plugins in use, as the record lists them (name and version)."""
    return [{"name": p.name, "version": p.version}
            for p in sorted(host.plugins, key=lambda p: p.name)]


_LISTED: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("maturity_rule_packs", "packs", lambda loc: loc.display + ("" if loc.default
                                                               else " (with --pack)")),
    ("maturity_check_types", "checks", lambda t: t.operator),
    ("maturity_evidence_loaders", "evidence loaders",
     lambda e: f"{e.name} ({'/'.join(e.suffixes)})"),
    ("maturity_scoring_models", "scoring models", lambda m: m.name),
    ("maturity_report_formats", "report formats", lambda f: f.name),
    ("maturity_translations", "translations",
     lambda c: f"{c.locale} ({c.pack or 'messages'}: {c.element_count()} texts, "
               f"{len(c.messages)} messages)"),
    ("maturity_profiles", "profiles", lambda p: f"{p.id} (--profile {p.id})"),
)


def describe_plugins(host: PluginHost) -> str:
    """What `maturity plugins` prints: each plugin, its version, API range and contributions,
    then the skipped plugins and any conflict between plugins."""
    contributions = host.contributions()
    lines: list[str] = []
    for info in host.plugins:
        lines.append(f"{info.name} {info.version} (plugin API {info.api}, module {info.module})")
        for hook, label, show in _LISTED:
            items = [show(item) for plugin, item in contributions.get(hook, [])
                     if plugin == info.name]
            if items:
                lines.append(f"  {label}: " + ", ".join(items))
        if info.name != BUILTIN and host.manager.has_plugin(info.name) and any(
                impl.plugin_name == info.name
                for impl in host.manager.hook.maturity_bundle_source.get_hookimpls()):
            lines.append("  bundle source: directories in its own layout")
    for skipped in host.skipped:
        lines.append(f"SKIPPED {skipped.name} {skipped.version} at {skipped.stage}: "
                     f"{skipped.error}")
    for check in (host.check_types, host.evidence_loaders, host.scoring_models,
                  host.report_formats, host.profiles):
        try:
            check()
        except PluginError as exc:
            lines.append(f"CONFLICT {exc.message}")
    return "\n".join(lines) + "\n"
