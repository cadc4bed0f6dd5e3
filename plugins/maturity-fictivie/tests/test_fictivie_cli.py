"""The installed plugin, through the real `maturity` command and its entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from maturity.api import Session
from maturity.catalogues import stale_translations
from maturity.plugins import create_host

PLUGIN = Path(__file__).resolve().parents[1]
ROOT = PLUGIN.parents[1]
MATURITY = Path(sys.executable).with_name("maturity")
FINANCE = ROOT / "examples" / "ministry-of-finance"
ECONOMIE = PLUGIN / "examples" / "ministere-de-l-economie"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "MATURITY_DISABLE_PLUGIN_AUTOLOAD"}
    environment.update(env or {})
    return subprocess.run([str(MATURITY), *args], capture_output=True, text=True,
                          env=environment, cwd=ROOT, check=False, timeout=120)


def record(*args: str) -> dict:
    done = run("assess", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_maturity_plugins_lists_the_plugin_and_what_it_adds():
    out = run("plugins").stdout
    assert "fictivie 1.0.0 (plugin API >=1,<2, module maturity_fictivie)" in out
    for line in ("packs: fictivie:regles", "checks: siret", "evidence loaders: csv-cles (.csv)",
                 "translations: fr (oecd-dgpf: 19 texts, 3 messages)",
                 "profiles: fictivie-2026 (--profile fictivie-2026)"):
        assert f"  {line}" in out


def test_assess_runs_the_national_pack_without_reweighting_the_oecd_pack():
    # The national pack is not a default pack: installing the plugin changes no assessment
    # of another country until someone asks for it.
    default = record(str(FINANCE))
    assert [p["id"] for p in default["packs"]] == ["oecd-dgpf", "oecd-digital-talent"]
    data = record(str(FINANCE), "--pack", "fictivie-rgn", "--pack", "oecd-dgpf",
                  "--pack", "oecd-digital-talent")
    assert {"name": "fictivie", "version": "1.0.0"} in data["plugins"]
    assert [p["id"] for p in data["packs"]] == ["fictivie-rgn", "oecd-dgpf",
                                                "oecd-digital-talent"]
    national = [o for o in data["outcomes"] if o["pack"] == "fictivie-rgn"]
    assert len(national) == 8
    # A Meridian ministry has not answered Fictivie's questions: not assessed, never a pass.
    assert {o["status"] for o in national} == {"not_assessed"}
    assert data["profile"] is None
    weights = {o["rule"]: o["weight"] for o in data["outcomes"]}
    assert (weights["UDR-IM-06"], weights["GAP-IM-05"]) == (0.76, 1.07)


def test_the_profile_is_applied_by_name_and_recorded_with_its_reasons():
    plain = record(str(FINANCE))
    data = record(str(FINANCE), "--profile", "fictivie-2026")
    changes = {(c["rule"], c["change"]): c for c in data["profile"]["changes"]}
    assert set(changes) == {("UDR-IM-06", "weight"), ("GAP-IM-05", "weight"),
                            ("PRO-PL-03", "weight"), ("PRO-PL-03", "level")}
    assert changes["UDR-IM-06", "weight"]["from"] == 0.76
    assert changes["UDR-IM-06", "weight"]["to"] == 1.52
    assert all(c["reason"] and c["author"].startswith("Agence nationale du numérique")
               for c in changes.values())
    (pin,) = data["profile"]["profiles"]
    assert (pin["id"], pin["origin"]) == ("fictivie-2026", "plugin:fictivie")
    weights = {o["rule"]: o["weight"] for o in data["outcomes"]}
    assert (weights["UDR-IM-06"], weights["GAP-IM-05"], weights["PRO-PL-03"]) == (1.52, 1.6, 1.25)
    assert data["scores"]["oecd-dgpf"] != plain["scores"]["oecd-dgpf"]


def test_a_fictivian_ministry_with_csv_evidence():
    data = record(str(ECONOMIE), "--pack", "fictivie-rgn")
    assert [f["path"] for f in data["evidence"]["files"]] == ["bundle.toml",
                                                             "preuves-nationales.csv"]
    status = {o["rule"]: (o["status"], o["credit"]) for o in data["outcomes"]}
    assert status["FIC-ACC-01"] == ("pass", 1.0)       # the declaration document is hashed
    assert status["FIC-IDI-01"][0] == "partial"          # one SIRET of three has a wrong key
    assert status["FIC-SEC-02"] == ("partial", 0.4)
    assert data["scores"]["fictivie-rgn"]["dimensions"]["accessibilite"]["level"] == 2


def test_autoload_switched_off_leaves_the_plugin_out():
    off = {"MATURITY_DISABLE_PLUGIN_AUTOLOAD": "1"}
    assert "fictivie" not in run("plugins", env=off).stdout
    done = run("assess", str(ECONOMIE), "--pack", "fictivie-rgn", env=off)
    assert done.returncode == 2
    assert "error[usage.unknown-pack]" in done.stderr


@pytest.fixture(scope="module")
def session() -> Session:
    return Session(host=create_host(autoload=True))


def test_the_catalogue_translates_the_oecd_pack_and_is_current(session):
    pack = next(p for p in session.select_packs(["oecd-dgpf"]) if p.id == "oecd-dgpf")
    names = {d.id: d.translations["fr"].name for d in pack.header.dimensions}
    assert names["digital-by-design"] == "Numérique dès la conception"
    assert pack.header.levels[1].translations["fr"].name == "Émergent"
    (catalogue,) = [c for name, c in session.host.translations() if name == "fictivie"]
    ours = {f"{kind}.{key}" if kind != "header" else "header"
            for kind, key, _t in catalogue.entries()}
    assert len(ours) == 19
    assert ours.isdisjoint(stale_translations(pack, "fr"))
