import { Injectable, inject } from '@angular/core';

import { Api } from './api';
import { money } from './format';
import { Booking, BookingStatus, EventItem } from './models';

/** A booking's status in words. */
export const STATUS_WORDS: Record<BookingStatus, string> = {
  pending: 'Being processed',
  confirmed: 'Confirmed',
  payment_failed: 'Payment declined',
  cancelled: 'Cancelled',
};

/** A booking with what the page shows of its event. */
export interface BookingView extends Booking {
  title: string;
  startsAt: string | null;
  venue: string | null;
  eventCancelled: boolean;
}

/** Bookings with their event's title and dates (from the booking, else from the event). */
@Injectable({ providedIn: 'root' })
export class BookingViews {
  private readonly api = inject(Api);

  async list(): Promise<BookingView[]> {
    const data = await this.api.get<Booking[] | { items: Booking[] }>('/api/bookings/?limit=200');
    return this.enrich(Array.isArray(data) ? data : data.items);
  }

  async one(id: string): Promise<BookingView> {
    const booking = await this.api.get<Booking>(`/api/bookings/${encodeURIComponent(id)}`);
    return (await this.enrich([booking], true))[0];
  }

  async cancel(booking: BookingView): Promise<BookingView> {
    const updated = await this.api.delete<Booking>(`/api/bookings/${encodeURIComponent(booking.id)}`);
    return { ...booking, ...updated };
  }

  private async enrich(bookings: Booking[], withVenue = false): Promise<BookingView[]> {
    const missing = [...new Set(bookings.filter((b) => !b.event_title || !b.event_starts_at).map((b) => b.event_id))];
    // The booking names its event's title and start; its venue comes from the event itself.
    if (withVenue) missing.push(...new Set(bookings.map((b) => b.event_id).filter((id) => !missing.includes(id))));
    const events = new Map<string, EventItem | null>();
    await Promise.all(
      missing.map(async (id) => {
        try {
          events.set(id, await this.api.get<EventItem>(`/api/events/${encodeURIComponent(id)}`, { auth: false }));
        } catch {
          events.set(id, null);
        }
      }),
    );
    return bookings.map((b) => {
      const event = events.get(b.event_id) ?? null;
      return {
        ...b,
        title: b.event_title ?? event?.title ?? 'An event that is no longer listed',
        startsAt: b.event_starts_at ?? event?.starts_at ?? null,
        venue: event?.venue ?? null,
        eventCancelled: event?.status === 'cancelled',
      };
    });
  }
}

/** The amount given back for a cancelled booking, when something was charged. */
export function refundCents(booking: Booking): number | null {
  return booking.refund?.amount_cents ? booking.refund.amount_cents : null;
}

/** "Refunded €50.00", or "Refund of €50.00 on its way" while the payment service works on it. */
export function refundWords(booking: Booking): string | null {
  const refund = booking.refund;
  if (!refund?.amount_cents) return null;
  const amount = money(refund.amount_cents, refund.currency ?? booking.currency);
  return refund.status === 'refunded' ? `Refunded ${amount}` : `Refund of ${amount} on its way`;
}

/** Why a booking is cancelled, when it was not the user's own doing. */
export function cancelWords(booking: Booking): string | null {
  return booking.status === 'cancelled' && booking.cancel_reason === 'event_cancelled'
    ? 'The organizer cancelled this event.'
    : null;
}
