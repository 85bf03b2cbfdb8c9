"""An organizer's journey: create, edit, watch seats sell, cancel."""

from __future__ import annotations

import datetime as dt
import re

import httpx

from tests.web.conftest import PASSWORD, WebPage, new_email, register, unique


def local_input(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def book(api: httpx.Client, attendee: dict[str, str], event_id: str, seats: int) -> None:
    response = api.post(
        "/api/bookings/",
        headers={"Authorization": f"Bearer {attendee['access_token']}"},
        json={"event_id": event_id, "seats": seats, "card_number": "4242424242424242"},
    )
    assert response.status_code == 201, response.text


def test_an_organizer_creates_edits_sells_and_cancels_an_event(
    web: WebPage, api: httpx.Client
) -> None:
    web.goto("/signup")
    web.get_by_label("Your name").fill("Kofi Annan")
    web.get_by_label("Email address").fill(new_email())
    web.get_by_label("Password").fill(PASSWORD)
    web.get_by_label("organize events").check()
    web.get_by_role("button", name="Sign up").click()
    web.get_by_role("heading", level=1, name="My events").wait_for()
    web.get_by_text("You have not created any events yet.").wait_for()
    web.check("organizer-empty")

    # Create.
    title = unique("Harbour Lights")
    web.get_by_role("link", name="Create an event").first.click()
    web.get_by_role("heading", level=1, name="Create an event").wait_for()
    starts = dt.datetime.now() + dt.timedelta(days=21)
    web.get_by_label("Title").fill(title)
    web.get_by_label("Description").fill("Lanterns on the water. <b>Bring a coat.</b>")
    web.get_by_label("Venue").fill("Old Pier")
    web.get_by_label("Starts").fill(local_input(starts))
    web.get_by_label("Ends").fill(local_input(starts + dt.timedelta(hours=2)))
    web.get_by_label("Seats", exact=True).fill("30")
    web.get_by_label("Price per seat").fill("12.00")
    web.check("event-form-new")
    web.get_by_role("button", name="Publish event").click()
    card = web.locator(".organizer-event", has_text=title)
    card.wait_for()
    assert f"{title} is published." in web.locator(".notice").inner_text()
    assert card.locator(".seats-sold").inner_text() == "0 of 30"
    assert card.locator(".revenue").inner_text() == "€0.00"
    event_id = card.get_attribute("data-event-id")
    assert event_id

    # Text from the API is text, never markup.
    web.goto(f"/events/{event_id}")
    description = web.locator(".description")
    assert "<b>Bring a coat.</b>" in description.inner_text()
    assert description.locator("b").count() == 0
    assert "This is your event." in web.locator(".book-box").inner_text()

    # Seats sold and revenue follow the bookings.
    attendee = register(api, "attendee")
    book(api, attendee, event_id, 3)
    web.goto("/organizer")
    assert card.locator(".seats-sold").inner_text() == "3 of 30"
    assert card.locator(".revenue").inner_text() == "€36.00"
    web.check("organizer-events")

    # Edit: the form starts from the event; capacity cannot drop below seats sold.
    card.get_by_role("link", name="Edit").click()
    web.get_by_role("heading", level=1, name="Edit event").wait_for()
    assert web.get_by_label("Title").input_value() == title
    assert "3 already sold" in web.locator("#capacity-hint").inner_text()
    web.check("event-form-edit")
    web.expect_refusals(409, 422)
    web.get_by_label("Seats", exact=True).fill("2")
    web.get_by_role("button", name="Save changes").click()
    error = web.locator("#event-form .error")
    error.wait_for()
    assert not re.search(r"\b4\d\d\b|capacity_below_sold|price_cents", error.inner_text())
    web.check("event-form-refused")
    renamed = f"{title} (moved indoors)"
    web.get_by_label("Title").fill(renamed)
    web.get_by_label("Venue").fill("Harbour Hall")
    web.get_by_label("Seats", exact=True).fill("40")
    web.get_by_role("button", name="Save changes").click()
    moved = web.locator(".organizer-event", has_text=renamed)
    moved.wait_for()
    assert moved.locator(".seats-sold").inner_text() == "3 of 40"
    assert "Harbour Hall" in moved.inner_text()
    public = api.get(f"/api/events/{event_id}").json()
    assert (public["title"], public["venue"], public["capacity"]) == (renamed, "Harbour Hall", 40)

    # Cancel, after a confirmation; the attendee's booking is cancelled with it.
    moved.get_by_role("button", name="Cancel event").click()
    assert "Every booking is cancelled and refunded" in moved.locator(".confirm").inner_text()
    web.check("organizer-confirm-cancel")
    moved.get_by_role("button", name="Yes, cancel event").click()
    moved.locator(".status", has_text="Cancelled").wait_for()
    assert moved.get_by_role("button", name="Cancel event").count() == 0
    assert api.get(f"/api/events/{event_id}").json()["status"] == "cancelled"
    web.goto(f"/events/{event_id}")
    web.get_by_text("This event has been cancelled.").wait_for()
    web.check("event-page-cancelled")
