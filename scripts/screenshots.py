"""Regenerate docs/screenshots/: the HTML report of each example ministry, in a real browser.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Assesses examples/ministry-* with the installed packs, renders each record as HTML and takes
a screenshot of the top of the report and of the roadmap with Debian's Chromium, driven by
Playwright (never `playwright install`: see ../shared/RECIPES.md).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    import maturity
    from maturity.report import render_html

    executable = shutil.which("chromium")
    if executable is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    session = maturity.Session()
    rules = maturity.load_packs(session=session)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1500},
                                device_scale_factor=1)
        for bundle in sorted((ROOT / "examples").glob("ministry-*")):
            result = maturity.assess(bundle, rules=rules, session=session, roadmap={})
            html = Path(tmp) / f"{bundle.name}.html"
            html.write_bytes(render_html([result.record], {}))
            page.goto(html.as_uri())
            page.screenshot(path=str(args.out / f"{bundle.name}.png"))
            page.locator("#roadmap").screenshot(path=str(args.out / f"{bundle.name}-roadmap.png"))
            print(f"{bundle.name}: {args.out.relative_to(ROOT)}/{bundle.name}.png")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
