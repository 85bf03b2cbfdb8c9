import { Injectable, inject } from '@angular/core';

import { Api } from './api';
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
    return (await this.enrich([booking]))[0];
  }

  async cancel(booking: BookingView): Promise<BookingView> {
    const updated = await this.api.delete<Booking>(`/api/bookings/${encodeURIComponent(booking.id)}`);
    return { ...booking, ...updated };
  }

  private async enrich(bookings: Booking[]): Promise<BookingView[]> {
    const missing = [...new Set(bookings.filter((b) => !b.event_title || !b.event_starts_at).map((b) => b.event_id))];
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
        venue: b.event_venue ?? event?.venue ?? null,
        eventCancelled: event?.status === 'cancelled',
      };
    });
  }
}

/** The amount given back for a cancelled booking, when there is one. */
export function refundCents(booking: Booking): number | null {
  if (booking.refund_cents !== undefined && booking.refund_cents !== null) return booking.refund_cents;
  if (booking.status === 'cancelled' && booking.amount_cents) return booking.amount_cents;
  return null;
}
