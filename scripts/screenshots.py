"""Screenshot every page a user can open, at 1920×1080, in headless Chromium.

python scripts/screenshots.py --base http://127.0.0.1:8501 --user demo_admin --password ... --out docs/screenshots
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.access import PAGES  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.helpers import error_texts, settle, sign_in  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pages", help="comma-separated page keys (default: all)")
    ap.add_argument("--full", action="store_true", help="full-page screenshots")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = set(args.pages.split(",")) if args.pages else None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN").new_page()
        sign_in(page, args.base, args.user, args.password)
        for pg in PAGES:
            if wanted and pg.key not in wanted:
                continue
            page.goto(f"{args.base}/{pg.path}")
            settle(page)
            page.wait_for_timeout(800)
            page.screenshot(path=str(out / f"{pg.key}.png"), full_page=args.full)
            errs = error_texts(page)
            print(pg.key, "ERRORS: " + " | ".join(errs) if errs else "ok")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
