"""The web app in headless Chromium, through the gateway of a local run of all five services."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.local.conftest import ALL_SERVICES, LocalLab, kill_all, make_lab

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalLab]:
    lab = make_lab(
        tmp_path_factory.mktemp("web-run") / ".eventctl" / "local", services=ALL_SERVICES
    )
    try:
        lab.up()
        yield lab
    finally:
        try:
            lab.down()
        finally:
            kill_all(lab.leftovers())


@pytest.fixture
def page(browser: Any, running: LocalLab) -> Iterator[Any]:
    context = browser.new_context(base_url=running.gateway_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    try:
        yield page
    finally:
        context.close()


def sign_up(page: Any, role: str) -> tuple[str, str]:
    email, password = f"{uuid.uuid4().hex[:10]}@example.org", "correct horse battery"
    page.goto("/signup")  # a deep link: the gateway answers it with index.html
    page.fill("#signup-form [name=name]", "Grace Hopper")
    page.fill("#signup-form [name=email]", email)
    page.fill("#signup-form [name=password]", password)
    page.check(f"#signup-form [name=role][value={role}]")
    page.click("#signup-form button[type=submit]")
    page.wait_for_selector(f"#whoami:has-text('({role})')")
    return email, password


def local_input(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_an_organizer_signs_up_signs_in_and_publishes_an_event(page: Any) -> None:
    email, password = sign_up(page, "organizer")
    assert page.url.endswith("/events")

    page.click("#signout")
    page.wait_for_selector("#signin-form", state="visible")
    page.fill("#signin-form [name=email]", email)
    page.fill("#signin-form [name=password]", password)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#whoami:has-text('Grace Hopper (organizer)')")

    title = f"Lab night {uuid.uuid4().hex[:6]}"
    starts = dt.datetime.now() + dt.timedelta(days=30)
    page.fill("#event-form [name=title]", title)
    page.fill("#event-form [name=description]", "Soldering and <b>snacks</b>")
    page.fill("#event-form [name=venue]", "Room 101")
    page.fill("#event-form [name=starts_at]", local_input(starts))
    page.fill("#event-form [name=ends_at]", local_input(starts + dt.timedelta(hours=3)))
    page.fill("#event-form [name=capacity]", "40")
    page.fill("#event-form [name=price]", "12.50")
    page.click("#event-form button[type=submit]")
    card = page.locator(".event-card", has_text=title)
    card.wait_for()
    assert "40 of 40 seats left" in card.inner_text()
    # Text from the API is text, never markup.
    assert card.locator("b").count() == 0
    assert "<b>snacks</b>" in card.inner_text()

    page.reload()  # /events again from the gateway; the session survives the reload
    page.locator(".event-card", has_text=title).wait_for()
    assert page.locator("#whoami").inner_text() == "Grace Hopper (organizer)"
    assert page.problems == []


def test_an_attendee_books_with_the_test_card_and_sees_the_booking(
    page: Any, running: LocalLab
) -> None:
    import httpx

    with httpx.Client(base_url=running.gateway_url, timeout=20) as api:
        organizer = {
            "email": f"{uuid.uuid4().hex[:10]}@example.org",
            "password": "correct horse battery",
            "name": "Org",
            "role": "organizer",
        }
        assert api.post("/api/auth/register", json=organizer).status_code == 201
        login = {"email": organizer["email"], "password": organizer["password"]}
        token = api.post("/api/auth/login", json=login).json()["access_token"]
        starts = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
        title = f"Concert {uuid.uuid4().hex[:6]}"
        created = api.post(
            "/api/events/",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "title": title,
                "venue": "Hall",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + dt.timedelta(hours=2)).isoformat(),
                "capacity": 5,
                "price_cents": 2000,
                "currency": "EUR",
            },
        )
        assert created.status_code == 201, created.text

    sign_up(page, "attendee")
    card = page.locator(".event-card", has_text=title)
    card.wait_for()
    assert card.locator("[name=card_number]").input_value() == "4242424242424242"
    assert card.locator("button", has_text="Book").is_visible()
    assert page.locator("#event-form").is_hidden()  # only organizers publish

    card.locator("[name=seats]").fill("2")
    card.locator("button", has_text="Book").click()
    page.wait_for_selector(f"#message:has-text('Booked 2 seat(s) for {title}: confirmed')")

    page.locator("nav a", has_text="My bookings").click()
    booking = page.locator("#bookings-list .booking", has_text=title)
    booking.wait_for()
    assert "2 seat(s)" in booking.inner_text()
    assert booking.locator(".status-confirmed").inner_text() == "confirmed"
    assert page.problems == []


def test_the_web_app_calls_only_relative_api_urls() -> None:
    script = (Path(__file__).resolve().parents[2] / "frontend_dist" / "app.js").read_text()
    assert "http://" not in script and "https://" not in script
    assert "/api/auth/" in script and "/api/events/" in script and "/api/bookings/" in script
