import { Component, effect, inject, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';

import { BookingView, BookingViews, STATUS_WORDS, cancelWords, refundWords } from '../core/bookings';
import { dateTime, money, plural } from '../core/format';
import { describeError } from '../core/messages';

/** One booking: the confirmation page after checkout, and the page of a booking later on. */
@Component({
  selector: 'app-booking-confirmation',
  imports: [RouterLink],
  template: `
    @if (booking(); as b) {
      <h1>{{ b.status === 'confirmed' ? 'You are booked' : 'Your booking' }}</h1>
      <section class="card confirmation" [attr.data-booking-id]="b.id">
        @if (b.status === 'confirmed') {
          <p class="success">Your booking is confirmed. A confirmation e-mail is on its way.</p>
        }
        <h2>{{ b.title }}</h2>
        <dl class="facts-list">
          @if (b.startsAt) {
            <div><dt>When</dt><dd>{{ date(b.startsAt) }}</dd></div>
          }
          @if (b.venue) {
            <div><dt>Where</dt><dd>{{ b.venue }}</dd></div>
          }
          <div><dt>Seats</dt><dd>{{ seats(b.seats) }}</dd></div>
          <div><dt>Total</dt><dd>{{ amount(b) }}</dd></div>
          <div><dt>Status</dt><dd class="status status-{{ b.status }}">{{ words[b.status] }}</dd></div>
          @if (refundText(b); as text) {
            <div><dt>Refund</dt><dd>{{ text }}</dd></div>
          }
          @if (cancelledBy(b); as text) {
            <div><dt>Why cancelled</dt><dd>{{ text }}</dd></div>
          }
          <div><dt>Reference</dt><dd><code>{{ b.id }}</code></dd></div>
        </dl>
      </section>
      <p class="links"><a routerLink="/bookings">See all my bookings</a> · <a routerLink="/">Find more events</a></p>
    } @else if (error()) {
      <h1>Your booking</h1>
      <p class="error" role="alert">{{ error() }}</p>
      <p><a routerLink="/bookings">See all my bookings</a></p>
    } @else {
      <h1>Your booking</h1>
      <p class="loading" role="status">Loading your booking…</p>
    }
  `,
})
export class BookingConfirmation {
  readonly id = input.required<string>();
  private readonly views = inject(BookingViews);
  protected readonly booking = signal<BookingView | null>(null);
  protected readonly error = signal('');
  protected readonly words = STATUS_WORDS;

  constructor() {
    effect(() => void this.load(this.id()));
  }

  protected date(iso: string): string {
    return dateTime(iso);
  }

  protected seats(n: number): string {
    return plural(n, 'seat');
  }

  protected amount(b: BookingView): string {
    return b.amount_cents ? money(b.amount_cents, b.currency) : 'Free';
  }

  protected refundText(b: BookingView): string | null {
    return refundWords(b);
  }

  protected cancelledBy(b: BookingView): string | null {
    return cancelWords(b);
  }

  private async load(id: string): Promise<void> {
    try {
      this.booking.set(await this.views.one(id));
    } catch (error) {
      this.error.set(describeError(error));
    }
  }
}
