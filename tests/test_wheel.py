"""The wheel, installed in a fresh virtual environment outside the repository, works alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from tests.conftest import EXAMPLES, ROOT


def test_wheel_installs_and_assesses_outside_the_repository(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True, cwd=tmp_path,
    )
    (wheel,) = dist.glob("maturity-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True,
                   cwd=tmp_path)
    bundle = tmp_path / "ministry-of-health"
    shutil.copytree(EXAMPLES / "ministry-of-health", bundle)
    result = subprocess.run(
        [str(env_dir / "bin" / "maturity"), "assess", bundle.name, "-o", "record.json"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "record.json").read_bytes())
    assert {p["id"] for p in record["packs"]} >= {"oecd-dgpf", "oecd-digital-talent"}
    report = subprocess.run(
        [str(env_dir / "bin" / "maturity"), "report", "record.json", "--format", "md",
         "-o", "report.md"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert report.returncode == 0, report.stderr
    assert "ministry-of-health" in (tmp_path / "report.md").read_text()
    installed = subprocess.run(
        [str(python), "-c", "import maturity, pathlib; print(pathlib.Path(maturity.__file__))"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout.strip()
    assert not installed.startswith(str(ROOT))
