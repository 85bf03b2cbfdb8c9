"""Sessions (refresh, expiry), the 404 page and plain-word errors."""

from __future__ import annotations

import json
import re

import httpx

from tests.web.conftest import PASSWORD, WebPage, register, sign_in

SESSION_KEY = "event-planner.session"


def stored_session(web: WebPage) -> dict[str, str]:
    value = web.evaluate(f"() => sessionStorage.getItem('{SESSION_KEY}')")
    assert value, "no session stored"
    data: dict[str, str] = json.loads(value)
    return data


def spoil_access_token(web: WebPage) -> None:
    web.evaluate(
        f"""() => {{
          const s = JSON.parse(sessionStorage.getItem('{SESSION_KEY}'));
          s.access = 'expired.' + s.access.split('.').slice(1).join('.');
          sessionStorage.setItem('{SESSION_KEY}', JSON.stringify(s));
        }}"""
    )


def test_an_expired_access_token_is_renewed_without_the_user_noticing(
    web: WebPage, api: httpx.Client
) -> None:
    account = register(api, "attendee")
    sign_in(web, account)
    before = stored_session(web)
    spoil_access_token(web)
    web.expect_refusals(401)
    web.goto("/bookings")
    web.get_by_text("You have no bookings yet.").wait_for()
    after = stored_session(web)
    assert after["access"] != before["access"] and after["refresh"] != before["refresh"]
    assert web.locator("#whoami").inner_text() == "Ada Lovelace"


def test_an_expired_session_signs_in_again_and_returns_to_the_page(
    web: WebPage, api: httpx.Client
) -> None:
    account = register(api, "attendee")
    sign_in(web, account)
    web.goto("/bookings")
    web.get_by_text("You have no bookings yet.").wait_for()
    # The session ends elsewhere (signed out on another device; or idle too long).
    session = stored_session(web)
    assert api.post("/api/auth/logout", json={"refresh_token": session["refresh"]}).is_success
    spoil_access_token(web)

    web.expect_refusals(401)
    web.goto("/notifications")  # the app starts again from the stored (now dead) session
    web.locator("#session-expired").wait_for()
    assert re.search(r"/signin\?next=%2Fnotifications&expired=1$", web.url), web.url
    assert "Your session has expired" in web.locator("#session-expired").inner_text()
    assert web.locator("#signout").count() == 0
    web.check("sign-in-expired")

    web.get_by_label("Email address").fill(account["email"])
    web.get_by_label("Password").fill(PASSWORD)
    web.get_by_role("button", name="Sign in").click()
    web.get_by_role("heading", level=1, name="Notifications").wait_for()
    assert web.url.endswith("/notifications")
    web.get_by_text("Welcome to Event Planner").wait_for()


def test_pages_for_signed_in_users_ask_to_sign_in_first(web: WebPage) -> None:
    web.goto("/bookings")
    web.get_by_role("heading", level=1, name="Sign in").wait_for()
    assert web.url.endswith("/signin?next=%2Fbookings")
    web.check("sign-in")


def test_sign_in_and_sign_up_errors_are_plain_words(web: WebPage, api: httpx.Client) -> None:
    account = register(api, "attendee")
    web.expect_refusals(401, 409)
    web.goto("/signin")
    web.get_by_label("Email address").fill(account["email"])
    web.get_by_label("Password").fill("not the password")
    web.get_by_role("button", name="Sign in").click()
    error = web.locator("#signin-form .error")
    error.wait_for()
    assert error.inner_text() == (
        "That email address and password do not match an account. Check them and try again."
    )
    web.check("sign-in-refused")

    web.goto("/signup")
    web.get_by_label("Your name").fill("Someone Else")
    web.get_by_label("Email address").fill(account["email"])
    web.get_by_label("Password").fill(PASSWORD)
    web.get_by_role("button", name="Sign up").click()
    taken = web.locator("#signup-form .error")
    taken.wait_for()
    assert "An account with this email address already exists" in taken.inner_text()
    assert not re.search(r"\b409\b|email:", taken.inner_text())
    web.check("sign-up-refused")


def test_unknown_paths_and_events_get_a_not_found_page(web: WebPage) -> None:
    response = web.goto("/no/such/page")
    assert response is not None and response.status == 200  # the app decides, as on CloudFront
    web.get_by_role("heading", level=1, name="Page not found").wait_for()
    web.check("not-found")
    web.get_by_role("link", name="See upcoming events").click()
    web.get_by_role("heading", level=1, name="Upcoming events").wait_for()

    web.expect_refusals(404)
    web.goto("/events/no-such-event")
    web.get_by_role("heading", level=1, name="Event not found").wait_for()
    web.check("event-not-found")


def test_the_keyboard_reaches_everything_in_order(web: WebPage) -> None:
    web.goto("/")
    web.locator(".site-nav").wait_for()
    order = []
    for _ in range(6):
        web.keyboard.press("Tab")
        order.append(web.evaluate("() => document.activeElement.textContent.trim()"))
    assert order[:6] == ["Skip to content", "Event Planner", "Events", "Sign in", "Sign up", ""]
    assert web.evaluate("() => document.activeElement.id") == "search-q"
    web.keyboard.press("Shift+Tab")
    web.keyboard.press("Shift+Tab")
    web.keyboard.press("Shift+Tab")
    web.keyboard.press("Shift+Tab")
    web.keyboard.press("Shift+Tab")
    assert web.evaluate("() => document.activeElement.textContent.trim()") == "Skip to content"
    web.keyboard.press("Enter")
    assert web.evaluate("() => document.activeElement.id") == "main"
