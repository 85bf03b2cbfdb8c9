"""The event and payment services' internal APIs as the booking saga uses them: typed calls
built from the routes those services declare, answering with their schemas or a domain error.

Statuses are read here and nowhere else in the booking service: a refusal becomes `Conflict`,
`NotFound` or `Refused`, an unreachable service `Unavailable` (from `ServiceClient`), and
every answer is the other service's own response model.
"""

from __future__ import annotations

from services.event.app import INTERNAL_ROUTES as EVENT_ROUTES
from services.event.schema import ReservationOut
from services.kit.calls import ServiceClient
from services.kit.errors import Conflict, NotFound
from services.kit.internal import Answer, Endpoint
from services.payment.app import INTERNAL_ROUTES as PAYMENT_ROUTES
from services.payment.schema import ChargeIn, ChargeOut

RESERVATION_RELEASED = "reservation_released"  # the event service's code: id voided, holds nothing


class Refused(RuntimeError):
    """Another service refused a call that should not be refused (a bug, not a user error)."""

    def __init__(self, what: str, status: int, code: str | None = None) -> None:
        super().__init__(f"the {what} was refused: {status} {code or ''}".strip())
        self.status = status


class EventsClient:
    """Seat holds at the event service (`/internal/events/...`)."""

    def __init__(self, client: ServiceClient, prefix: str) -> None:
        self.client = client
        one = "/{event_id}/reservations/{reservation_id}"
        self._reserve = Endpoint.of(
            EVENT_ROUTES, prefix, "POST", "/{event_id}/reservations", ReservationOut
        )
        self._get = Endpoint.of(EVENT_ROUTES, prefix, "GET", one, ReservationOut)
        self._release = Endpoint.of(EVENT_ROUTES, prefix, "DELETE", one, ReservationOut)

    async def reserve(
        self, event_id: str, reservation_id: str, seats: int
    ) -> ReservationOut | None:
        """The hold; None when the id was released (or voided) and holds nothing. Conflict:
        not enough seats; NotFound: no such event, or it is cancelled."""
        body = {"reservation_id": reservation_id, "seats": seats}
        answer = await self._reserve.call(self.client, body, event_id=event_id)
        if answer.value is not None:
            return answer.value if answer.value.status == "held" else None
        if answer.status == 410 and answer.code == RESERVATION_RELEASED:
            return None
        if answer.status == 409:
            raise Conflict(answer.detail or "Not enough seats left.", code="not_enough_seats")
        if answer.status in (404, 410):
            raise NotFound("event not found")
        raise Refused("reservation", answer.status, answer.code)

    async def reservation(self, event_id: str, reservation_id: str) -> ReservationOut | None:
        """The hold as the event service records it; None when it knows none."""
        answer = await self._get.call(self.client, event_id=event_id, reservation_id=reservation_id)
        return answer.value

    async def release(self, event_id: str, reservation_id: str) -> None:
        """Give the seats back (idempotent); an id not reserved yet is voided, so it cannot
        take seats when it arrives. A missing event has nothing to give back."""
        answer = await self._release.call(
            self.client, event_id=event_id, reservation_id=reservation_id
        )
        if answer.value is None and answer.status != 404:
            raise Refused("release", answer.status, answer.code)


class PaymentsClient:
    """Charges at the payment service (`/internal/payments/...`), by idempotency key."""

    def __init__(self, client: ServiceClient, prefix: str) -> None:
        self.client = client
        key = "/charges/{key}"
        self._charge = Endpoint.of(PAYMENT_ROUTES, prefix, "POST", "/charges", ChargeOut)
        self._get = Endpoint.of(PAYMENT_ROUTES, prefix, "GET", key, ChargeOut)
        self._refund = Endpoint.of(PAYMENT_ROUTES, prefix, "POST", key + "/refund", ChargeOut)
        self._void = Endpoint.of(PAYMENT_ROUTES, prefix, "POST", key + "/void", ChargeOut)

    async def charge(self, request: ChargeIn) -> ChargeOut:
        """Charge once per key (succeeded or declined). A key already charged with other
        figures (a replay after a price change) answers with that first charge."""
        card = request.card_number.get_secret_value()
        body = {**request.model_dump(mode="json"), "card_number": card}
        answer = await self._charge.call(self.client, body)
        if answer.value is not None:
            return answer.value
        if answer.status == 409:
            return await self.get(request.idempotency_key)
        raise Refused("charge", answer.status, answer.code)

    async def get(self, key: str) -> ChargeOut:
        return self._value("charge lookup", await self._get.call(self.client, key=key))

    async def refund(self, key: str) -> ChargeOut:
        """Refund the key's charge once (a key never charged is voided instead)."""
        return self._value("refund", await self._refund.call(self.client, key=key))

    async def void(self, key: str) -> ChargeOut:
        """Close the key: returns its charge if one was made, else it can never charge."""
        return self._value("void", await self._void.call(self.client, key=key))

    @staticmethod
    def _value(what: str, answer: Answer[ChargeOut]) -> ChargeOut:
        if answer.value is None:
            raise Refused(what, answer.status, answer.code)
        return answer.value
