"""Regenerate docs/screenshots/: the HTML report of each example ministry, in a real browser.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--lang fr --lang ar]

Assesses examples/ministry-* with the built-in packs only (so installed plugins do not change
the pictures), renders each record as HTML and photographs, with Debian's Chromium driven by
Playwright (never `playwright install`: see ../shared/RECIPES.md), the top of the report, its
profile charts and its roadmap timeline. `--lang` (repeatable, default English) writes the
report in that language; other languages than English add `-<lang>` to the file names
(`ministry-of-health-ar.png`).
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
    parser.add_argument("--lang", action="append", default=[],
                        help="report language (repeatable; default en)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    import maturity
    from maturity.i18n import SOURCE_LANGUAGE, load_language
    from maturity.plugins import create_host
    from maturity.report import render_html

    executable = shutil.which("chromium")
    if executable is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    session = maturity.Session(host=create_host(autoload=False))
    rules = maturity.load_packs(session=session)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1400},
                                device_scale_factor=1)
        for lang, bundle in [(lang, bundle) for lang in args.lang or [SOURCE_LANGUAGE]
                             for bundle in sorted((ROOT / "examples").glob("ministry-*"))]:
            options = {"packs": list(rules.packs),
                       "language": load_language(session, lang, rules.packs)}
            result = maturity.assess(bundle, rules=rules, session=session, roadmap={},
                                     language=lang)
            html = Path(tmp) / f"{bundle.name}-{lang}.html"
            html.write_bytes(render_html([result.record], options))
            page.goto(html.as_uri())
            tail = "" if lang == SOURCE_LANGUAGE else f"-{lang}"
            shots = {
                f"{bundle.name}{tail}.png": None,
                f"{bundle.name}-profile{tail}.png": "#profile figure",
                f"{bundle.name}-roadmap{tail}.png": "#roadmap figure",
            }
            for name, selector in shots.items():
                if selector is None:
                    page.screenshot(path=str(args.out / name))
                else:
                    page.locator(selector).first.screenshot(path=str(args.out / name))
                print(f"{args.out / name}")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
