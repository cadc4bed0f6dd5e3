"""Every hook is documented in docs/plugins.md with its exact signature, and has a test of its
own (`test_hook_<hook name>_…` in tests/test_plugins*.py)."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from maturity import hookspecs

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
SECTION = re.compile(r"^### `(maturity_\w+)`\n(.*?)(?=^#{1,3} |\Z)", re.M | re.S)
SECTIONS = dict(SECTION.findall(DOCS))


def real_signature(hook: str) -> str:
    """The hookspec's signature as a line of Python, annotations as written in the source."""
    spec = inspect.signature(getattr(hookspecs, hook))
    params = ", ".join(f"{p.name}: {p.annotation}" for p in spec.parameters.values())
    return f"def {hook}({params}) -> {spec.return_annotation}:"


def hook_tests() -> set[str]:
    names: set[str] = set()
    for path in sorted((ROOT / "tests").glob("test_plugins*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names.update(node.name for node in ast.walk(tree)
                     if isinstance(node, ast.FunctionDef) and node.name.startswith("test_hook_"))
    return names


@pytest.mark.parametrize("hook", hookspecs.HOOK_NAMES)
def test_every_hook_is_documented_with_its_exact_signature(hook: str) -> None:
    assert hook in SECTIONS, f"docs/plugins.md has no section ### `{hook}`"
    section = SECTIONS[hook]
    # The section opens with the signature block; the example follows it.
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    documented = blocks[0].strip() if blocks else "(no code block)"
    assert documented == real_signature(hook), (
        f"docs/plugins.md documents {documented!r}, the hookspec is {real_signature(hook)!r}")
    assert section.count("@hookimpl") >= 1, f"{hook}: no example"
    assert "Returns" in section, f"{hook}: the return value is not described"


@pytest.mark.parametrize("hook", hookspecs.HOOK_NAMES)
def test_every_hook_has_a_test_of_its_own(hook: str) -> None:
    assert any(name.startswith(f"test_hook_{hook}_") for name in hook_tests()), (
        f"no test_hook_{hook}_… in tests/test_plugins*.py")


def test_the_docs_name_no_hook_that_does_not_exist() -> None:
    assert sorted(SECTIONS) == sorted(hookspecs.HOOK_NAMES)


def test_the_hookspec_docstrings_have_the_fixed_shape() -> None:
    for hook in hookspecs.HOOK_NAMES:
        doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
        for part in ("Returns:", "Parameters:", "Example::", "@hookimpl"):
            assert part in doc, f"{hook}: docstring lacks {part!r}"


def test_the_readme_points_plugin_authors_to_the_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Plugins" in readme
    assert "docs/plugins.md" in readme
