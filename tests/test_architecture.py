"""The pure core never touches files, the clock, the environment, plugins, CLI or rendering."""

from __future__ import annotations

import ast
from pathlib import Path

import maturity

PURE = ("model", "checks", "engine", "scoring", "roadmap", "record", "ruleset", "profiles",
        "aggregation", "survey", "charts")
FORBIDDEN_MODULES = {"os", "sys", "pathlib", "time", "tempfile", "shutil", "subprocess", "argparse",
                     "io", "importlib", "pluggy"}
FORBIDDEN_MATURITY = {"plugins", "cli", "report", "files", "evidence", "loaders", "api",
                      "batch", "builtin", "packs", "formats", "spreadsheet", "charts"}
PACKAGE = Path(maturity.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_pure_core_modules_import_nothing_impure() -> None:
    checked = 0
    for name in PURE:
        path = PACKAGE / f"{name}.py"
        if not path.exists():
            continue
        checked += 1
        for module in _imports(path):
            top = module.split(".")[0]
            assert top not in FORBIDDEN_MODULES, f"{name} imports {module}"
            if top == "maturity":
                assert module.split(".")[1] not in FORBIDDEN_MATURITY, f"{name} imports {module}"
    assert checked == len(PURE)


def _top_level_imports(path: Path) -> set[str]:
    """What importing the module loads (imports inside functions or `if TYPE_CHECKING:` wait)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_what_the_pure_core_loads_is_pure_too() -> None:
    """Follow the maturity modules the core imports (at module level) all the way down."""
    seen: set[str] = set()
    todo = [f"maturity.{name}" for name in PURE if (PACKAGE / f"{name}.py").exists()]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = PACKAGE / (module.split(".", 1)[1].replace(".", "/") + ".py")
        for imported in _top_level_imports(path):
            top = imported.split(".")[0]
            assert top not in FORBIDDEN_MODULES, f"{module} loads {imported}"
            if top == "maturity" and imported != "maturity":
                assert imported.split(".")[1] not in FORBIDDEN_MATURITY, (
                    f"{module} loads {imported}")
                todo.append(imported)
    assert "maturity.model" in seen


def test_pure_core_never_reads_the_clock() -> None:
    for name in PURE:
        path = PACKAGE / f"{name}.py"
        if path.exists():
            text = path.read_text()
            for call in ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time("):
                assert call not in text, f"{name} calls {call}"


def test_public_api() -> None:
    assert sorted(maturity.__all__) == sorted([
        "Assessment", "MaturityError", "Session", "__version__", "assess", "hookimpl",
        "load_evidence", "load_packs",
    ])
    for name in maturity.__all__:
        assert getattr(maturity, name) is not None
