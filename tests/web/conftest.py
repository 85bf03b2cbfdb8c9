"""The web app in headless Chromium against one local run of the whole platform.

One platform (all five services behind the gateway, as `eventctl env up` runs them) and one
browser serve every test here; each test gets its own browser context (its own session). Each
page a test visits goes through `WebPage.check(name)`: axe-core finds no serious or critical
violation, the page does not overflow a 390 px wide screen, and it is photographed at 1280 and
390 px into `test-artifacts/web/` (gitignored). No console error and no CSP violation may
happen in any test, apart from the API refusals a test says it expects.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.local.conftest import ALL_SERVICES, LocalLab, kill_all, make_lab

ARTIFACTS = REPO_ROOT / "test-artifacts" / "web"
AXE = REPO_ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
WIDE, NARROW = 1280, 390
PASSWORD = "correct horse battery"
PAID_CARD, DECLINED_CARD = "4242 4242 4242 4242", "4000 0000 0000 0002"

# Reports every CSP violation as a console error, which the test then fails on.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
});
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (cd frontend && npm ci)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalLab]:
    root = tmp_path_factory.mktemp("web-run")
    lab = make_lab(root / ".eventctl" / "local", services=ALL_SERVICES)
    lab.options = replace(lab.options, python=str(this_checkout_python(root)))
    try:
        lab.up()
        yield lab
    finally:
        try:
            lab.down()
        finally:
            kill_all(lab.leftovers())


def this_checkout_python(folder: Path) -> Path:
    """A python that imports this checkout's services and gateway: the run's processes start
    in their data directory, where an installed eventctl elsewhere would win otherwise."""
    wrapper = folder / "python"
    wrapper.write_text(
        f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(REPO_ROOT))} "
        f'exec {shlex.quote(sys.executable)} "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


@dataclass
class WebPage:
    """A Playwright page with the checks every page of the app must pass."""

    page: Any
    axe_source: str
    test_name: str
    problems: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.page, name)

    def expect_refusals(self, *statuses: int) -> None:
        """API answers the test provokes (a declined card is 402): the browser logs those."""
        self.expected_statuses.update(statuses)

    def on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        status = re.search(r"status of (\d{3})", message.text)
        if status and int(status.group(1)) in self.expected_statuses:
            return
        self.problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def check(self, name: str) -> None:
        """axe, the narrow layout and screenshots at both widths, of the page as it is now."""
        self.page.wait_for_load_state("networkidle")
        self.page.locator("main h1").first.wait_for()
        violations = self.axe()
        assert violations == [], f"{name}: accessibility violations {violations}"
        folder = ARTIFACTS / self.test_name
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{name}-{WIDE}.png"), full_page=True)
        self.page.set_viewport_size({"width": NARROW, "height": 844})
        try:
            self.page.wait_for_timeout(50)
            overflow = self.page.evaluate(
                "() => [document.documentElement.scrollWidth, "
                "[...document.querySelectorAll('header a, header button')]"
                ".filter(e => { const r = e.getBoundingClientRect();"
                " return r.width > 0 && (r.right > window.innerWidth + 0.5 || r.left < 0); })"
                ".map(e => e.textContent.trim())]"
            )
            assert overflow[0] <= NARROW, f"{name}: the page is {overflow[0]} px wide at {NARROW}"
            assert overflow[1] == [], f"{name}: header items cut off at {NARROW} px: {overflow[1]}"
            narrow = self.axe()
            assert narrow == [], f"{name} at {NARROW} px: accessibility violations {narrow}"
            self.page.screenshot(path=str(folder / f"{name}-{NARROW}.png"), full_page=True)
        finally:
            self.page.set_viewport_size({"width": WIDE, "height": 900})

    def axe(self) -> list[str]:
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(self.axe_source + "\n;0")
        found = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        )
        return list(found)


@pytest.fixture
def web(
    browser: Any, platform: LocalLab, axe_source: str, request: pytest.FixtureRequest
) -> Iterator[WebPage]:
    context = browser.new_context(
        base_url=platform.gateway_url, viewport={"width": WIDE, "height": 900}, locale="en-GB"
    )
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(15_000)
    wrapped = WebPage(page, axe_source, request.node.name)
    shutil.rmtree(ARTIFACTS / request.node.name, ignore_errors=True)  # this run's pictures only
    page.on("console", wrapped.on_console)
    page.on("pageerror", lambda error: wrapped.problems.append(f"page error: {error}"))
    try:
        yield wrapped
        assert wrapped.problems == []
    finally:
        context.close()


# -- the API, to set up what a journey needs ------------------------------------------------


@pytest.fixture(scope="session")
def api(platform: LocalLab) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        yield client


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def new_email() -> str:
    return f"{uuid.uuid4().hex[:12]}@example.org"


def register(api: httpx.Client, role: str, name: str = "Ada Lovelace") -> dict[str, str]:
    """An account and its tokens: {email, password, access_token, refresh_token}."""
    email = new_email()
    body = {"email": email, "password": PASSWORD, "name": name, "role": role}
    assert api.post("/api/auth/register", json=body).status_code == 201
    tokens = api.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()
    return {"email": email, "password": PASSWORD, **tokens}


def create_event(
    api: httpx.Client,
    organizer: dict[str, str],
    title: str,
    *,
    days: int = 10,
    venue: str = "Main Hall",
    capacity: int = 20,
    price_cents: int = 2500,
) -> dict[str, Any]:
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=days)
    response = api.post(
        "/api/events/",
        headers={"Authorization": f"Bearer {organizer['access_token']}"},
        json={
            "title": title,
            "description": "An evening of music.\nDoors open an hour before.",
            "venue": venue,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=3)).isoformat(),
            "capacity": capacity,
            "price_cents": price_cents,
            "currency": "EUR",
        },
    )
    assert response.status_code == 201, response.text
    event: dict[str, Any] = response.json()
    return event


def sign_in(web: WebPage, account: dict[str, str]) -> None:
    web.goto("/signin")
    web.get_by_label("Email address").fill(account["email"])
    web.get_by_label("Password").fill(account["password"])
    web.get_by_role("button", name="Sign in").click()
    web.locator("#signout").wait_for()
