"""Shared fixtures: sessions without third-party plugins, the test pack, the built-in packs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from maturity.api import Session
from maturity.plugins import AUTOLOAD_ENV, create_host
from maturity.ruleset import RuleSet
from tests.plugin_kit import PluginSite

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
MINI_PACK = Path(__file__).resolve().parent / "packs" / "mini"


def core_session() -> Session:
    """A session with only the built-in plugin, whatever else is installed."""
    return Session(host=create_host(autoload=False))



def run_stamp(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`scripts/i18n.py stamp ARGS`, as a translator runs it (a real process, its output kept)."""
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "stamp",
                           *map(str, args)], capture_output=True, text=True)

@pytest.fixture(scope="session")
def session() -> Session:
    return core_session()


@pytest.fixture(scope="session")
def mini_rules(session: Session) -> RuleSet:
    rules, _ = session.load_rules(pack_dirs=[MINI_PACK])
    return rules


@pytest.fixture(scope="session")
def builtin_rules(session: Session) -> RuleSet:
    rules, _ = session.load_rules()
    return rules


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginSite]:
    """A directory on sys.path where a test installs real plugin distributions."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delenv(AUTOLOAD_ENV, raising=False)
    kit = PluginSite(root)
    yield kit
    kit.forget()
