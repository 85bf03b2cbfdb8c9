"""An attendee's journey through the web app, in a real browser against the local platform."""

from __future__ import annotations

import datetime as dt
import re
import time

import httpx

from tests.web.conftest import (
    DECLINED_CARD,
    PAID_CARD,
    PASSWORD,
    WebPage,
    create_event,
    new_email,
    register,
    sign_in,
    unique,
)


def fill_card(web: WebPage, number: str) -> None:
    web.get_by_label("Card number").fill(number)
    web.get_by_label("Expiry date (MM/YY)").fill(f"12/{(dt.date.today().year + 3) % 100:02d}")
    web.get_by_label("Security code (CVC)").fill("123")


def test_an_attendee_signs_up_finds_books_cancels_and_reads_notifications(
    web: WebPage, api: httpx.Client
) -> None:
    tag = unique("Riverside")
    organizer = register(api, "organizer", name="Kwame Mensah")
    concert = create_event(api, organizer, f"{tag} Jazz Night", days=10, capacity=5)
    free = create_event(api, organizer, f"{tag} Open Day", days=12, price_cents=0)
    later = create_event(api, organizer, f"{tag} Winter Ball", days=45, venue="Glass Pavilion")
    for n in range(11):  # more than a page of results for this search
        create_event(api, organizer, f"{tag} Workshop {n:02d}", days=20 + n)

    # Sign up: a deep link the gateway answers with index.html, plain-word form errors.
    web.goto("/signup")
    web.check("sign-up")
    email = new_email()
    web.get_by_label("Your name").fill("Grace Hopper")
    web.get_by_label("Email address").fill(email)
    web.get_by_label("Password").fill(PASSWORD)
    web.get_by_label("attend events").check()
    web.get_by_role("button", name="Sign up").click()
    web.locator("#whoami", has_text="Grace Hopper").wait_for()
    assert web.url.endswith("/")

    # The event list: search by title, by venue, a date range, pages of results.
    web.get_by_label("Search by title or venue").fill(tag)
    web.get_by_role("button", name="Search").click()
    cards = web.locator(".event-card")
    cards.first.wait_for()
    assert cards.count() == 12
    assert web.locator(".summary").inner_text() == "Showing 12 of 14 events"
    web.check("event-list")
    web.get_by_role("button", name="Show more events").click()
    web.locator(".event-card", has_text=f"{tag} Winter Ball").wait_for()
    assert cards.count() == 14

    web.get_by_label("Search by title or venue").fill("Glass Pavilion")
    web.get_by_role("button", name="Search").click()
    web.wait_for_function("() => document.querySelectorAll('.event-card').length === 1")
    assert later["title"] in cards.first.inner_text()

    start = dt.date.today() + dt.timedelta(days=9)
    web.get_by_label("Search by title or venue").fill(tag)
    web.get_by_label("From").fill(start.isoformat())
    web.get_by_label("To").fill((start + dt.timedelta(days=4)).isoformat())
    web.get_by_role("button", name="Search").click()
    web.wait_for_function("() => document.querySelectorAll('.event-card').length === 2")
    assert {cards.nth(i).locator("h2").inner_text() for i in range(2)} == {
        concert["title"],
        free["title"],
    }

    web.get_by_label("Search by title or venue").fill(f"{tag} nothing like this")
    web.get_by_role("button", name="Search").click()
    web.get_by_text("No events match your search").wait_for()
    web.check("event-list-empty")
    web.get_by_role("button", name="Clear").click()

    # The event page.
    web.goto(f"/?q={concert['title'].replace(' ', '+')}")
    web.get_by_role("link", name=concert["title"]).click()
    web.get_by_role("heading", level=1, name=concert["title"]).wait_for()
    page_text = web.locator("main").inner_text()
    assert "Main Hall" in page_text
    assert "Kwame Mensah" in page_text  # the organizer's name, never their e-mail
    assert "Doors open an hour before." in page_text
    assert web.get_by_test_id("seats-left").inner_text() == "5 seats of 5"
    assert "€25.00 per seat" in page_text
    web.check("event-page")

    # Checkout: the test cards are explained; a declined card says so and why.
    web.get_by_role("link", name="Book seats").click()
    web.get_by_role("heading", level=1, name="Book seats").wait_for()
    test_cards = web.locator("#test-cards").inner_text()
    assert "4242 4242 4242 4242 is accepted" in test_cards
    assert "4000 0000 0000 0002 is declined" in test_cards
    web.get_by_label("Seats").select_option("2")
    assert "€50.00" in web.locator(".total").inner_text()
    web.check("checkout")

    web.expect_refusals(402)
    fill_card(web, DECLINED_CARD)
    web.get_by_role("button", name="Pay €50.00").click()
    alert = web.locator("#checkout-error")
    alert.wait_for()
    declined = alert.inner_text()
    assert "Payment declined." in declined and "Your card was declined" in declined
    assert "Try another card." in declined
    assert not re.search(r"\b402\b|card_number|payment_failed", declined)
    web.check("checkout-declined")

    fill_card(web, PAID_CARD)
    web.get_by_role("button", name="Pay €50.00").click()
    web.get_by_role("heading", level=1, name="You are booked").wait_for()
    confirmation = web.locator(".confirmation").inner_text()
    assert concert["title"] in confirmation and "2 seats" in confirmation
    assert "€50.00" in confirmation and "Confirmed" in confirmation
    web.check("confirmation")

    # Seats left is fresh after one's own booking.
    web.goto(f"/events/{concert['id']}")
    assert web.get_by_test_id("seats-left").inner_text() == "3 seats of 5"

    # My bookings: upcoming, the event's date, status in words, cancel with a confirmation.
    web.get_by_role("link", name="My bookings").click()
    upcoming = web.locator("section", has=web.get_by_role("heading", name="Upcoming"))
    confirmed = upcoming.locator(".booking", has_text=concert["title"]).filter(has_text="Confirmed")
    confirmed.wait_for()
    paid = web.locator(f".booking[data-booking-id='{confirmed.get_attribute('data-booking-id')}']")
    assert upcoming.locator(".booking").count() == 2  # the declined attempt is a booking too
    assert "Confirmed" in paid.inner_text() and "€50.00" in paid.inner_text()
    starts = dt.datetime.fromisoformat(concert["starts_at"])
    assert str(starts.astimezone().day) in paid.locator(".meta").first.inner_text()
    declined_booking = upcoming.locator(".booking", has_text="Payment declined")
    assert declined_booking.count() == 1
    web.check("bookings")

    paid.get_by_role("button", name="Cancel booking").click()
    confirm = paid.locator(".confirm")
    assert "You get €50.00 back." in confirm.inner_text()
    web.check("bookings-confirm-cancel")
    confirm.get_by_role("button", name="Keep booking").click()
    assert "Confirmed" in paid.inner_text()
    paid.get_by_role("button", name="Cancel booking").click()
    paid.get_by_role("button", name="Yes, cancel booking").click()
    paid.locator(".status", has_text="Cancelled").wait_for()
    assert re.search(r"Refunded €50.00|Refund of €50.00 on its way", paid.inner_text())
    assert "€50.00 is refunded to your card" in web.locator(".notice").inner_text()

    # Notifications: the unread count in the header, the list newest first.
    count = wait_for_unread(web, at_least=2)
    web.check("bookings-after-cancel")
    web.locator("#nav-notifications").click()
    items = web.locator(".notification")
    items.first.wait_for()
    assert items.count() >= count
    subjects = web.locator(".notification .kind").all_inner_texts()
    assert any("Booking confirmed" in s for s in subjects)
    times = [
        t
        for t in web.locator(".notification time").evaluate_all(
            "(nodes) => nodes.map((n) => n.getAttribute('datetime'))"
        )
    ]
    assert times == sorted(times, reverse=True)
    web.check("notifications")
    web.goto("/")
    web.locator("#nav-notifications").wait_for()
    assert web.get_by_test_id("unread-count").count() == 0  # read once the list was shown


def wait_for_unread(web: WebPage, at_least: int, timeout: float = 45) -> int:
    """The header's unread count once the e-mails have gone out (the services send them from
    their queues, a moment after the booking)."""
    deadline = time.monotonic() + timeout
    while True:
        badge = web.get_by_test_id("unread-count")
        if badge.count() == 1:
            count = int(re.sub(r"\D", "", badge.inner_text()))
            if count >= at_least:
                return count
        assert time.monotonic() < deadline, "the unread count never reached the expected number"
        web.wait_for_timeout(1000)
        web.locator(".site-nav a", has_text="Events").click()  # every navigation re-reads it
        web.locator(".site-nav a", has_text="My bookings").click()
        web.locator("main h1", has_text="My bookings").wait_for()


def test_a_free_event_needs_no_card_and_sends_no_receipt(web: WebPage, api: httpx.Client) -> None:
    organizer = register(api, "organizer", name="Kwame Mensah")
    free = create_event(api, organizer, unique("Open Day"), price_cents=0)
    attendee = register(api, "attendee")
    sign_in(web, attendee)
    web.goto(f"/events/{free['id']}")
    assert "Free" in web.locator(".facts-list").inner_text()
    web.get_by_role("link", name="Book seats").click()
    web.get_by_text("This event is free: no card is needed.").wait_for()
    assert web.get_by_label("Card number").count() == 0
    web.check("checkout-free")
    web.get_by_role("button", name="Book for free").click()
    web.get_by_role("heading", level=1, name="You are booked").wait_for()
    confirmation = web.locator(".confirmation").inner_text()
    assert "Free" in confirmation and "Confirmed" in confirmation
    web.check("confirmation-free")
    auth = {"Authorization": f"Bearer {attendee['access_token']}"}
    deadline = time.monotonic() + 30
    while True:  # the confirmation e-mail goes out; a receipt never does
        kinds = [n["kind"] for n in api.get("/api/notifications/", headers=auth).json()]
        if "booking_confirmed" in kinds or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert "booking_confirmed" in kinds and "payment_receipt" not in kinds
