"""Benchmark of the web app: how fast the event list becomes usable, by the browser's clock.

Runs the whole platform locally (all five services behind the gateway, as `eventctl env up`)
on free loopback ports, publishes --events events, then opens the home page in headless
Chromium (Debian's, through Playwright) --runs times in a fresh browser context (cold cache)
and --runs times again in one context (warm cache: fingerprinted files come from the cache,
index.html is revalidated). For each load it reads the browser's own timings:

  ttfb          responseStart of the navigation (index.html's first byte)
  dom ready     domContentLoadedEventEnd (the module scripts have run: Angular has started)
  list usable   the first event card in the DOM, by a MutationObserver in the page, with
                the app's click handlers attached (Angular renders and listens in one pass)

It prints the medians, the reference of the same run (one bare request through the same
gateway: `/favicon.ico` under a new URL each time), the ratios to the 1 s budget, and the
initial JavaScript size.

    python bench/web_app.py [--runs 7] [--events 40]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import re
import shutil
import statistics
import sys
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BUDGET_MS = 1000.0
WATCH_CARDS = """
new MutationObserver((_, observer) => {
  if (document.querySelector('.event-card')) {
    window.__listUsable = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def seed(gateway: str, count: int) -> None:
    import httpx

    email = f"bench-{uuid.uuid4().hex[:8]}@example.org"
    account = {"email": email, "password": "correct horse battery", "name": "Bench"}
    with httpx.Client(base_url=gateway, timeout=30) as api:
        api.post("/api/auth/register", json={**account, "role": "organizer"}).raise_for_status()
        login = {"email": email, "password": account["password"]}
        token = api.post("/api/auth/login", json=login).json()["access_token"]
        starts = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
        for n in range(count):
            moment = starts + dt.timedelta(hours=6 * n)
            api.post(
                "/api/events/",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "title": f"Bench event {n}",
                    "venue": "Hall",
                    "starts_at": moment.isoformat(),
                    "ends_at": (moment + dt.timedelta(hours=2)).isoformat(),
                    "capacity": 100,
                    "price_cents": 1500,
                    "currency": "EUR",
                },
            ).raise_for_status()


def timings(page: Any) -> dict[str, float]:
    page.wait_for_function("() => window.__listUsable !== undefined", timeout=30_000)
    values: dict[str, float] = page.evaluate(
        """() => {
          const nav = performance.getEntriesByType('navigation')[0];
          return { ttfb: nav.responseStart, dom: nav.domContentLoadedEventEnd,
                   usable: window.__listUsable };
        }"""
    )
    return values


def measure(browser: Any, gateway: str, runs: int) -> dict[str, list[dict[str, float]]]:
    cold, warm = [], []
    for _ in range(runs):
        context = browser.new_context(base_url=gateway)
        context.add_init_script(WATCH_CARDS)
        page = context.new_page()
        page.goto("/")
        cold.append(timings(page))
        context.close()
    context = browser.new_context(base_url=gateway)
    context.add_init_script(WATCH_CARDS)
    page = context.new_page()
    page.goto("/")
    timings(page)
    for _ in range(runs):
        page.goto("/")
        warm.append(timings(page))
    reference = []
    for n in range(runs):
        page.goto(f"/favicon.ico?fresh={n}")  # a new URL: from the gateway, not the cache
        reference.append(
            page.evaluate("() => performance.getEntriesByType('navigation')[0].responseEnd")
        )
    context.close()
    return {"cold": cold, "warm": warm, "reference": [{"usable": r} for r in reference]}


def initial_js_gzip() -> tuple[int, int]:
    from eventctl.paths import frontend_dir
    from platform_model import build_platform

    app = frontend_dir() / build_platform().frontend_prefix
    index = (app / "index.html").read_text(encoding="utf-8")
    names = re.findall(r'(?:src|href)="([^"]+\.js)"', index)
    raw = sum((app / n).stat().st_size for n in names)
    packed = sum(len(gzip.compress((app / n).read_bytes(), compresslevel=6)) for n in names)
    return raw, packed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--events", type=int, default=40)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from eventctl.core import local
    from platform_model import build_platform
    from tests.local.conftest import ALL_SERVICES, make_lab
    from tests.web.conftest import this_checkout_python

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    platform = build_platform()
    print(f"machine: {os.cpu_count()} CPUs (shared); figures vary with other load")
    raw, packed = initial_js_gzip()
    print(f"initial JavaScript: {raw / 1024:.1f} KB, {packed / 1024:.1f} KB gzip (budget 150)")
    with tempfile.TemporaryDirectory() as tmp:
        lab = make_lab(Path(tmp) / ".eventctl" / "local", services=ALL_SERVICES)
        python = str(this_checkout_python(Path(tmp)))  # this checkout's services and gateway
        lab.options = replace(lab.options, start_timeout=90, python=python)
        try:
            local.up(platform, lab.options)
            seed(lab.gateway_url, args.events)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                try:
                    results = measure(browser, lab.gateway_url, args.runs)
                finally:
                    browser.close()
        finally:
            local.down(platform, lab.options)
    reference = statistics.median(r["usable"] for r in results["reference"])
    print(f"home page with {args.events} events, {args.runs} loads each, medians (ms):")
    print(f"  reference: one bare request through the gateway  {reference:7.1f}")
    for name in ("cold", "warm"):
        rows = results[name]
        ttfb = statistics.median(r["ttfb"] for r in rows)
        dom = statistics.median(r["dom"] for r in rows)
        usable = statistics.median(r["usable"] for r in rows)
        worst = max(r["usable"] for r in rows)
        print(
            f"  {name} cache: ttfb {ttfb:6.1f}  dom ready {dom:6.1f}  list usable {usable:6.1f}"
            f" (worst {worst:.1f})  = {usable / BUDGET_MS:.2f} of the 1 s budget,"
            f" {usable / reference:.1f}x the reference"
        )


if __name__ == "__main__":
    main()
