"""The public Python API; the CLI is a thin layer over these functions.

```python
import maturity

rules = maturity.load_packs()                       # built-in and plugin packs
result = maturity.assess("examples/ministry-of-finance", rules=rules)
print(result.scores["oecd-dgpf"].index)
open("record.json", "wb").write(result.canonical_json())
```
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity import __version__
from maturity.catalogues import CatalogueMismatch, apply_catalogues
from maturity.checks import CheckCompiler
from maturity.engine import evaluate
from maturity.errors import (
    EvidenceError,
    MaturityError,
    PackError,
    PluginError,
    UsageError,
    did_you_mean,
)
from maturity.evidence import EvidenceLoader, load_bundle
from maturity.hookspecs import PLUGIN_API, PackLocation
from maturity.limits import Limits
from maturity.model import EvidenceBundle, Outcome, OutcomeStatus, RulePack, Waiver
from maturity.packs import load_pack_dir, read_pack_id
from maturity.plugins import PluginHost, create_host, plugin_records
from maturity.profiles import Profile, apply_profiles
from maturity.record import Provenance, build_record, canonical_bytes
from maturity.ruleset import RuleSet, compile_rules
from maturity.scoring import PackScore, ScoringModel, score_packs

if TYPE_CHECKING:
    from maturity.fastpath import FastRuleSet

__all__ = [
    "Assessment",
    "Session",
    "assess",
    "load_evidence",
    "load_packs",
]


@dataclass
class Session:
    """Plugins, limits and compiled packs of one run: built once, used for every bundle."""

    host: PluginHost = field(default_factory=create_host)
    limits: Limits = field(default_factory=Limits)
    _loaders: dict[str, EvidenceLoader] | None = None
    _compiler: CheckCompiler | None = None
    _pack_cache: dict[str, RulePack] = field(default_factory=dict)
    _headers: dict[str, tuple[str, PackLocation]] | None = None
    #: Directories of the packs loaded from --pack-dir, by pack id.
    _local_dirs: dict[str, Path] = field(default_factory=dict)

    @property
    def loaders(self) -> dict[str, EvidenceLoader]:
        if self._loaders is None:
            loaders: dict[str, EvidenceLoader] = {}
            for _name, loader in self.host.evidence_loaders():
                for suffix in loader.suffixes:
                    loaders[suffix.lower()] = loader
            self._loaders = loaders
        return self._loaders

    @property
    def compiler(self) -> CheckCompiler:
        if self._compiler is None:
            self._compiler = CheckCompiler(t for _n, t in self.host.check_types())
        return self._compiler

    def _installed(self) -> dict[str, tuple[str, PackLocation]]:
        """Installed pack ids with their plugin and location, from the headers alone: a run
        reads only the packs it uses (one plugin's pack can be large)."""
        if self._headers is None:
            headers: dict[str, tuple[str, PackLocation]] = {}
            for plugin, location in self.host.rule_packs():
                if not self.host.active(plugin):
                    continue
                try:
                    pack_id = read_pack_id(location.path, display=location.display,
                                           limits=self.limits)
                except PackError as exc:
                    # A plugin's broken pack stops the run, or is skipped with the whole plugin.
                    self.host.skip_or_raise(plugin, "maturity_rule_packs", exc)
                    headers = {k: v for k, v in headers.items() if v[0] != plugin}
                    continue
                if pack_id in headers:
                    raise PackError(
                        f"pack {pack_id!r} is provided twice",
                        code="pack.duplicate-pack",
                        file=location.display,
                        expected="each pack id once",
                        found=f"also from {headers[pack_id][1].display}",
                        fix="uninstall one of the plugins",
                    )
                headers[pack_id] = (plugin, location)
            self._headers = headers
        return self._headers

    def _load_installed(self, pack_ids: Sequence[str]) -> dict[str, tuple[RulePack, PackLocation]]:
        cache = self._pack_cache
        installed = self._installed()
        for pack_id in pack_ids:
            if pack_id in cache:
                continue
            entry = installed.get(pack_id)
            if entry is None:
                continue
            plugin, location = entry
            if not self.host.active(plugin):
                continue
            origin = "builtin" if plugin == "builtin" else f"plugin:{plugin}"
            try:
                cache[pack_id] = load_pack_dir(location.path, origin=origin,
                                               display=location.display, limits=self.limits)
            except PackError as exc:
                # A plugin's broken pack stops the run, or is skipped with the whole plugin.
                self.host.skip_or_raise(plugin, "maturity_rule_packs", exc)
                for dropped in [k for k, (name, _l) in installed.items() if name == plugin]:
                    cache.pop(dropped, None)
        return {k: (cache[k], installed[k][1]) for k in pack_ids if k in cache
                and self.host.active(installed[k][0])}

    def check_packs(self) -> list[tuple[str, str, MaturityError | None]]:
        """Every installed pack as (plugin, pack id, None, or why it does not load or compile
        on its own with the plugins' translations), in pack id order: what a run using it
        would stop on, found before any run (`maturity plugins --check`)."""
        out: list[tuple[str, str, MaturityError | None]] = []
        for pack_id, (plugin, location) in sorted(self._installed().items()):
            origin = "builtin" if plugin == "builtin" else f"plugin:{plugin}"
            try:
                pack = load_pack_dir(location.path, origin=origin, display=location.display,
                                     limits=self.limits)
                compile_rules(self.with_plugin_catalogues([pack]), self.compiler)
            except MaturityError as exc:
                out.append((plugin, pack_id, exc))
            else:
                out.append((plugin, pack_id, None))
        return out

    def with_plugin_catalogues(self, packs: Sequence[RulePack], locale: str | None = None
                               ) -> list[RulePack]:
        """`packs` with the plugins' translations (into `locale`, or every one) written in.
        A plugin whose catalogue translates what a pack does not have is at fault: the run
        stops, or under `--skip-broken-plugins` goes on without that plugin."""
        while True:
            catalogues = [(name, c) for name, c in self.host.translations()
                          if locale is None or c.locale == locale]
            try:
                return apply_catalogues(packs, catalogues)
            except CatalogueMismatch as exc:
                self.host.skip_or_raise(exc.plugin, "maturity_translations", exc)

    def available_packs(self) -> dict[str, tuple[RulePack, PackLocation]]:
        """Every installed pack by id, loaded (once per session)."""
        return self._load_installed(sorted(self._installed()))

    def select_packs(
        self, pack_ids: Sequence[str] | None = None, pack_dirs: Sequence[Path] = ()
    ) -> list[RulePack]:
        # Installed packs are loaded only when asked for: `--pack-dir` alone reads nothing else,
        # and without --pack only the default packs are read.
        if pack_ids:
            available = self._load_installed(list(pack_ids))
            names: Sequence[str] = sorted(self._installed())
        elif not pack_dirs:
            available = self._load_installed(sorted(
                k for k, (_p, loc) in self._installed().items() if loc.default))
            names = sorted(available)
        else:
            available, names = {}, []
        chosen: list[RulePack] = []
        for directory in pack_dirs:
            chosen.append(load_pack_dir(directory, origin=f"local:{directory.name}",
                                        display=directory.name, limits=self.limits))
            self._local_dirs[chosen[-1].id] = directory
        local = {pack.id for pack in chosen}
        if pack_ids:
            # `--pack ID` naming a pack given with --pack-dir asks for what is loaded already.
            for pack_id in [p for p in pack_ids if p not in local]:
                owner = self._installed().get(pack_id)
                if pack_id not in available and owner and not self.host.active(owner[0]):
                    reason = next((s.error for s in self.host.skipped if s.name == owner[0]),
                                  "skipped")
                    raise UsageError(
                        f"rule pack {pack_id!r} is from plugin {owner[0]!r}, which was left "
                        "out as broken",
                        code="usage.skipped-pack",
                        location="--pack",
                        expected="a pack of a plugin in use",
                        found=reason,
                        fix=f"fix or update the plugin, or run without --pack {pack_id}",
                    )
                if pack_id not in available:
                    hint = did_you_mean(pack_id, names)
                    raise UsageError(
                        f"no rule pack {pack_id!r} is installed",
                        code="usage.unknown-pack",
                        location="--pack",
                        expected="one of " + ", ".join(names),
                        found=repr(pack_id),
                        fix=f"did you mean {hint!r}?" if hint
                        else "install the plugin that provides it",
                    )
                chosen.append(available[pack_id][0])
        elif not pack_dirs:
            chosen.extend(pack for pack, loc in available.values() if loc.default)
        # Plugins' translation catalogues land where the packs' own translations live.
        return self.with_plugin_catalogues(chosen)

    def local_pack_directories(self) -> list[Path]:
        """The directories of the local packs (`--pack-dir`) this session has loaded."""
        return list(self._local_dirs.values())

    def pack_directory(self, pack_id: str) -> Path | Traversable | None:
        """Where a pack's files are: a directory given with --pack-dir, else the installed
        pack's (its translation catalogues live there, read only when a language needs them)."""
        if pack_id in self._local_dirs:
            return self._local_dirs[pack_id]
        installed = self._installed().get(pack_id)
        return installed[1].path if installed is not None else None

    def scoring_model(self, name: str) -> ScoringModel:
        """The run's model, with the models that packs carry for their own method attached:
        such a pack is scored by its own model whatever `name` is."""
        models: dict[str, ScoringModel] = {m.name: m for _n, m in self.host.scoring_models()}
        if name not in models:
            hint = did_you_mean(name, models)
            raise UsageError(
                f"unknown scoring model {name!r}",
                code="usage.unknown-scoring",
                location="--scoring",
                expected="one of " + ", ".join(sorted(models)),
                found=repr(name),
                fix=f"did you mean {hint!r}?" if hint else "choose a listed model",
            )
        own: dict[str, ScoringModel] = {}
        for model in models.values():
            for pack_id in model.packs:
                if pack_id in own:
                    raise PluginError(
                        f"two scoring models claim pack {pack_id!r}",
                        code="plugin.conflict",
                        file=model.name,
                        location="ScoringModel.packs",
                        expected="one model scoring a pack by its own method",
                        found=f"{own[pack_id].name!r} and {model.name!r}",
                        fix="uninstall one of the plugins",
                    )
                own[pack_id] = model
        return dataclasses.replace(models[name], pack_models=own)

    def load_rules(
        self,
        pack_ids: Sequence[str] | None = None,
        *,
        pack_dirs: Sequence[Path] = (),
        profiles: Sequence[Profile] = (),
    ) -> tuple[RuleSet, list[dict[str, Any]]]:
        """The compiled packs, tailored by `profiles` in order, and the change log.

        A plugin's pack that loads but does not compile (an unknown operator, a check its own
        check type rejects, an unknown dimension) stops the run like a pack that does not load,
        or under `skip_broken` leaves that plugin out whole; the packs are then compiled again
        without it.
        """
        while True:
            packs = self.select_packs(pack_ids, pack_dirs)
            changes: list[dict[str, Any]] = []
            if profiles:
                packs, changes = apply_profiles(packs, profiles)
            try:
                return compile_rules(packs, self.compiler), changes
            except PackError as exc:
                self._leave_out_plugin_of(exc, packs, profiles)

    def _leave_out_plugin_of(self, error: PackError, packs: Sequence[RulePack],
                             profiles: Sequence[Profile]) -> None:
        """Skip the plugin that shipped the pack `error` blames, or raise `error`: when the
        pack is not a plugin's, skipping is off, or the run applies one of its profiles."""
        origin = next((p.origin for p in packs if p.id == error.pack), "")
        plugin = origin.removeprefix("plugin:") if origin.startswith("plugin:") else None
        if plugin is None or not self.host.active(plugin):
            raise error
        offered = {p.id for name, p in self.host.contributions().get("maturity_profiles", [])
                   if name == plugin}
        if any(p.id in offered for p in profiles):
            raise error
        self.host.skip_or_raise(plugin, "maturity_rule_packs", error)
        # Its check types and evidence loaders leave with it.
        self._compiler = None
        self._loaders = None

    def resolve_profiles(self, specs: Sequence[str | Path]) -> list[tuple[str, Profile]]:
        """Profiles named on the command line, as (origin, profile): a profile file, or the id
        of a profile an installed plugin offers. Plugin profiles apply only when named."""
        from maturity.loaders import load_profile

        offered = {p.id: (plugin, p) for plugin, p in self.host.profiles()}
        resolved: list[tuple[str, Profile]] = []
        for spec in specs:
            path = Path(spec)
            if path.is_file():
                resolved.append((f"file:{path.name}",
                                 load_profile(path, self.limits, display=str(spec))))
            elif str(spec) in offered:
                plugin, profile = offered[str(spec)]
                resolved.append((f"plugin:{plugin}",
                                 profile.read_from(f"{plugin}:{profile.file}")))
            else:
                hint = did_you_mean(str(spec), offered)
                raise UsageError(
                    f"no profile file or installed profile {str(spec)!r}",
                    code="usage.unknown-profile",
                    location="--profile",
                    expected="a profile file, or one of the installed profiles: "
                    + (", ".join(sorted(offered)) or "none"),
                    found=repr(str(spec)),
                    fix=f"did you mean {hint!r}?" if hint else
                    "check the path, or see `maturity plugins` for installed profiles",
                )
        return resolved

    def load_evidence(self, path: Path, display: str | None = None) -> EvidenceBundle:
        return load_bundle(path, loaders=self.loaders, limits=self.limits, display=display)


@dataclass(frozen=True)
class Assessment:
    """The result of assessing one bundle: outcomes, scores and the canonical record."""

    bundle: EvidenceBundle
    rules: RuleSet
    outcomes: list[Outcome]
    scores: dict[str, PackScore]
    scores_without_waivers: dict[str, PackScore]
    record: dict[str, Any]

    def canonical_json(self) -> bytes:
        return canonical_bytes(self.record)


def assess_bundle(
    bundle: EvidenceBundle,
    rules: RuleSet,
    *,
    model: ScoringModel,
    as_of: dt.date | None = None,
    level_threshold: float = 0.75,
    waivers: Sequence[Waiver] = (),
    provenance: Provenance,
    roadmap_settings: Mapping[str, Any] | None = None,
    fast: FastRuleSet | None = None,
) -> Assessment:
    """Evaluate and score one bundle (pure apart from what `bundle` and `rules` hold).

    `fast`, the generated evaluator of `rules`, gives the same outcomes as the reference
    closures, faster: worth building (once) for many bundles, not for one.
    """
    if not (isinstance(level_threshold, int | float) and 0 < level_threshold <= 1):
        raise UsageError(
            "the level threshold is a share of a level's weighted credit",
            code="usage.level-threshold",
            location="--level-threshold",
            expected="a number above 0 and at most 1",
            found=repr(level_threshold),
            fix="e.g. --level-threshold 0.75",
        )
    day = as_of or bundle.as_of
    if day is None:
        raise EvidenceError(
            "no assessment date",
            code="evidence.no-date",
            file=bundle.source,
            location="assessment.as_of",
            expected="a date in the bundle header or --as-of",
            found="neither",
            fix="add as_of = YYYY-MM-DD under [assessment], or pass --as-of",
        )
    by_rule = waivers_for(bundle.organisation.id, waivers, day)
    declared = declared_not_applicable(bundle, rules)
    justified = {rule: why for pack in declared.values() for rule, why in pack.items()}
    outcomes: list[Outcome] | None = None
    if fast is not None:
        # A plugin's check that raises is left to the reference, whose error names the
        # evidence file and the rule.
        with contextlib.suppress(MaturityError):
            outcomes = fast.outcomes(bundle.data, day, bundle.documents, by_rule, justified)
    if outcomes is None:
        outcomes = evaluate(rules, bundle.data, day, bundle.documents, by_rule, justified,
                            origins=bundle.origins, source=bundle.source)
    scores = score_packs(rules.packs, outcomes, model, level_threshold=level_threshold)
    without = dict(scores)
    if any(o.status is OutcomeStatus.WAIVED for o in outcomes):
        # Only a waived outcome counts differently without waivers.
        without = score_packs(rules.packs, outcomes, model, level_threshold=level_threshold,
                              with_waivers=False)
    roadmap: dict[str, Any] | None = None
    if roadmap_settings is not None:
        from maturity.roadmap import plan_roadmap

        roadmap = plan_roadmap(rules, outcomes, model, level_threshold, roadmap_settings)
    record = build_record(
        bundle=bundle,
        as_of=day,
        packs=rules.packs,
        outcomes=outcomes,
        scores=scores,
        scores_without_waivers=without,
        model=model,
        settings={"level_threshold": level_threshold},
        provenance=provenance,
        waivers=covering_waivers(bundle.organisation.id, waivers),
        not_applicable=declared,
        roadmap=roadmap,
    )
    return Assessment(bundle, rules, outcomes, scores, without, record)


def covering_waivers(organisation: str, waivers: Sequence[Waiver]) -> list[Waiver]:
    """Every waiver that concerns one organisation (the record lists them all)."""
    return [w for w in waivers if w.covers(organisation)]


def waivers_for(
    organisation: str, waivers: Sequence[Waiver], day: dt.date | None = None
) -> dict[str, Waiver]:
    """The waiver that applies to each rule for one organisation: one active on `day` outranks
    an inactive one, then one naming the organisation outranks a general one."""
    chosen: dict[str, Waiver] = {}
    for waiver in sorted(
        covering_waivers(organisation, waivers),
        key=lambda w: (day is not None and w.active_on(day), w.organisation is not None),
    ):
        chosen[waiver.rule] = waiver
    return chosen


def declared_not_applicable(bundle: EvidenceBundle, rules: RuleSet) -> dict[str, dict[str, str]]:
    """The bundle's not-applicable declarations for the loaded packs, each rule checked.

    Declarations for packs that are not loaded concern another assessment and are left aside;
    an unknown rule id in a loaded pack is a typo that would silently keep a rule applicable.
    """
    declared: dict[str, dict[str, str]] = {}
    if not bundle.not_applicable:  # most bundles: no need to list every rule's id
        return declared
    loaded = {p.id: {r.id for r in p.rules} for p in rules.packs}
    for pack_id, entries in sorted(bundle.not_applicable.items()):
        if pack_id not in loaded:
            continue
        for rule_id, justification in sorted(entries.items()):
            if rule_id not in loaded[pack_id]:
                owner = next((p for p in sorted(loaded) if rule_id in loaded[p]), None)
                hint = did_you_mean(rule_id, loaded[pack_id])
                raise EvidenceError(
                    f"declares an unknown rule of {pack_id} not applicable",
                    code="evidence.unknown-rule",
                    # The header holds the declarations (a directory's origins name it).
                    file=bundle.origins.get("organisation", bundle.source),
                    location=f"not_applicable.{pack_id}.{rule_id}",
                    expected=f"a rule id of the pack {pack_id}",
                    found=repr(rule_id),
                    fix=(f"it is a rule of {owner}: declare it under [not_applicable.{owner}]"
                         if owner else f"did you mean {hint!r}?" if hint
                         else "see `maturity rules list -v`"),
                )
            declared.setdefault(pack_id, {})[rule_id] = justification
    return declared


def provenance_for(
    session: Session,
    changes: Sequence[Mapping[str, Any]],
    language: str = "en",
    *,
    profiles: Sequence[tuple[str, Profile]] = (),
    waiver_file: Mapping[str, str] | None = None,
) -> Provenance:
    """What produced a record. `profiles` are the applied profiles as (origin, profile), in the
    order `Session.load_rules` applied them (see `Session.resolve_profiles`)."""
    return Provenance(
        engine_version=__version__,
        plugin_api=PLUGIN_API,
        plugins=plugin_records(session.host),
        skipped_plugins=session.host.skipped_records(),
        profile={
            "changes": list(changes),
            "profiles": [profile_pin(origin, p) for origin, p in profiles],
        } if profiles or changes else None,
        language=language,
        waiver_file=waiver_file,
    )


def profile_pin(origin: str, profile: Profile) -> dict[str, Any]:
    """A profile as the record pins it: where it came from, its digest and its full text."""
    definition = profile.model_dump(mode="json", exclude_defaults=True)
    return {
        "id": profile.id,
        "origin": origin,
        "sha256": hashlib.sha256(canonical_bytes(definition)).hexdigest(),
        "definition": definition,
    }


def load_packs(
    pack_ids: Sequence[str] | None = None,
    *,
    pack_dirs: Sequence[str | Path] = (),
    session: Session | None = None,
) -> RuleSet:
    """Load and compile the selected packs (default: every installed default pack)."""
    session = session or Session()
    rules, _changes = session.load_rules(pack_ids, pack_dirs=[Path(p) for p in pack_dirs])
    return rules


def load_evidence(path: str | Path, *, session: Session | None = None) -> EvidenceBundle:
    session = session or Session()
    return session.load_evidence(Path(path))


def assess(
    evidence: str | Path | EvidenceBundle,
    *,
    rules: RuleSet | None = None,
    packs: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    scoring: str = "oecd-dgi",
    level_threshold: float = 0.75,
    waivers: Sequence[Waiver] = (),
    language: str = "en",
    roadmap: Mapping[str, Any] | None = None,
    session: Session | None = None,
) -> Assessment:
    """Assess one evidence bundle and return its outcomes, scores and canonical record.
    `language` is the record's (reports default to it): one `maturity.i18n` can write."""
    session = session or Session()
    if language != "en":
        from maturity.i18n import check_language

        check_language(session, language)
    changes: list[dict[str, Any]] = []
    if rules is None:
        rules, changes = session.load_rules(packs)
    bundle = evidence if isinstance(evidence, EvidenceBundle) else session.load_evidence(
        Path(evidence))
    return assess_bundle(
        bundle,
        rules,
        model=session.scoring_model(scoring),
        as_of=as_of,
        level_threshold=level_threshold,
        waivers=waivers,
        provenance=provenance_for(session, changes, language),
        roadmap_settings=roadmap,
    )
