"""The command line as people use it: real subprocesses, real files, exit codes, stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, MINI_PACK, ROOT

FINANCE = EXAMPLES / "ministry-of-finance"


def run(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "MATURITY_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "maturity", *map(str, args)],
        cwd=cwd, env=environment, capture_output=True, text=True, check=False,
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("maturity ")


def test_two_runs_give_byte_identical_records(tmp_path: Path) -> None:
    first = tmp_path / "a" / "record.json"
    second = tmp_path / "b" / "record.json"
    one = run("assess", FINANCE, "-o", first, env={"TZ": "Pacific/Kiritimati"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    two = run("assess", FINANCE, "-o", second, cwd=elsewhere, env={"TZ": "America/Adak"})
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    assert first.read_bytes() == second.read_bytes()
    record = json.loads(first.read_bytes())
    text = first.read_text()
    assert str(ROOT) not in text and str(tmp_path) not in text
    assert record["assessment"]["as_of"] == "2026-10-31"


def test_as_of_overrides_the_bundle_date(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run("assess", FINANCE, "--as-of", "2027-06-30", "-o", out)
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_bytes())["assessment"]["as_of"] == "2027-06-30"


def test_fail_under_exits_one(tmp_path: Path) -> None:
    low = run("assess", EXAMPLES / "ministry-of-culture", "--fail-under", "0.5",
              "-o", tmp_path / "r.json")
    assert low.returncode == 1
    assert "below --fail-under 0.5" in low.stderr
    high = run("assess", FINANCE, "--fail-under", "0.5", "-o", tmp_path / "s.json")
    assert high.returncode == 0, high.stderr


def test_bad_input_is_one_paragraph_exit_two_without_traceback(tmp_path: Path) -> None:
    bundle = tmp_path / "broken"
    bundle.mkdir()
    header = '[organisation]\nid = "x"\nname = "X"\nkind = "ministery"\n'
    (bundle / "bundle.toml").write_text(header)
    out = tmp_path / "r.json"
    result = run("assess", bundle, "-o", out)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "broken/bundle.toml" in result.stderr
    assert "organisation.kind" in result.stderr
    assert not out.exists()


def test_usage_error_for_an_unknown_pack() -> None:
    result = run("assess", FINANCE, "--pack", "oecd-dgfp")
    assert result.returncode == 2
    assert "did you mean 'oecd-dgpf'?" in result.stderr


def test_rules_list_shows_counts_per_dimension_facet_and_level() -> None:
    result = run("rules", "list")
    assert result.returncode == 0, result.stderr
    assert "oecd-dgpf" in result.stdout and "oecd-digital-talent" in result.stdout
    assert "levels: 1:" in result.stdout
    assert "strategic-approach:" in result.stdout


def test_rules_test_runs_inline_cases_of_a_local_pack() -> None:
    result = run("rules", "test", "--pack-dir", MINI_PACK)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 failed" in result.stdout


def test_rules_show_prints_toml_with_the_condition() -> None:
    result = run("rules", "show", "A-3", "--pack-dir", MINI_PACK)
    assert result.returncode == 0, result.stderr
    assert "services.online_pct linear from 20 (0) to 80 (1)" in result.stdout
    assert 'id = "A-3"' in result.stdout


def test_markdown_report(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    result = run("assess", FINANCE, "--format", "md", "-o", out)
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("# ")


def test_evidence_check_and_template(tmp_path: Path) -> None:
    check = run("evidence", "check", EXAMPLES / "ministry-of-culture")
    assert check.returncode == 1
    assert "would unlock" in check.stdout
    template = tmp_path / "t.toml"
    made = run("evidence", "template", "-o", template)
    assert made.returncode == 0, made.stderr
    assert "# type:" in template.read_text()


def test_batch_over_the_examples(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("assess", EXAMPLES, "-o", out)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert "summary.csv" in names
    assert {"ministry-of-culture.json", "ministry-of-finance.json",
            "ministry-of-health.json"} <= set(names)


def test_the_documented_evidence_schema_is_up_to_date() -> None:
    result = run("evidence", "schema")
    assert result.returncode == 0, result.stderr
    documented = (ROOT / "docs" / "evidence-schema.md").read_text()
    assert result.stdout == documented, "run: maturity evidence schema -o docs/evidence-schema.md"


def test_a_path_the_system_refuses_is_a_clear_error_not_an_internal_one(tmp_path: Path) -> None:
    """A name longer than the file system allows (ENAMETOOLONG) comes from the command line:
    exit 2 with what to fix, as for any other bad input."""
    result = subprocess.run(
        [sys.executable, "-m", "maturity", "evidence", "check", "a" * 300], cwd=tmp_path,
        capture_output=True, text=True, env={**os.environ, "MATURITY_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.returncode == 2, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith("error[file.system]: " + "a" * 300 + ": ")
    assert "File name too long" in result.stderr and "  fix: " in result.stderr


def test_compare_counts_are_bounded(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "maturity", "compare", "x.json", "-o", "c.html",
         "--anonymise-below", "1" * 400], cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "MATURITY_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.returncode == 2 and "from 1 to 1,000,000,000" in result.stderr
    assert "internal error" not in result.stderr
