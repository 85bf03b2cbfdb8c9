import { Component, computed, inject, signal } from '@angular/core';
import { NgTemplateOutlet } from '@angular/common';
import { RouterLink } from '@angular/router';

import { BookingView, BookingViews, STATUS_WORDS, cancelWords, refundCents, refundWords } from '../core/bookings';
import { dateTime, money, plural } from '../core/format';
import { describeError } from '../core/messages';
import { Notice } from '../core/notice';

/** The user's bookings: upcoming first, then past, each cancellable while it is upcoming. */
@Component({
  selector: 'app-bookings',
  imports: [RouterLink, NgTemplateOutlet],
  template: `
    <h1>My bookings</h1>
    @if (error()) {
      <p class="error" role="alert">{{ error() }}</p>
    }
    @if (loading()) {
      <p class="loading" role="status">Loading your bookings…</p>
    } @else if (!error() && all().length === 0) {
      <div class="empty">
        <p>You have no bookings yet.</p>
        <p><a routerLink="/">Find an event</a></p>
      </div>
    } @else {
      <section aria-labelledby="upcoming-heading">
        <h2 id="upcoming-heading">Upcoming</h2>
        @if (upcoming().length === 0) {
          <p class="empty">Nothing coming up. <a routerLink="/">Find an event</a></p>
        }
        <ul class="cards" aria-labelledby="upcoming-heading">
          @for (b of upcoming(); track b.id) {
            <ng-container *ngTemplateOutlet="item; context: { $implicit: b, upcoming: true }" />
          }
        </ul>
      </section>
      <section aria-labelledby="past-heading">
        <h2 id="past-heading">Past</h2>
        @if (past().length === 0) {
          <p class="empty">No past bookings.</p>
        }
        <ul class="cards" aria-labelledby="past-heading">
          @for (b of past(); track b.id) {
            <ng-container *ngTemplateOutlet="item; context: { $implicit: b, upcoming: false }" />
          }
        </ul>
      </section>
    }

    <ng-template #item let-b let-upcoming="upcoming">
      <li class="card booking" [attr.data-booking-id]="b.id">
        <h3><a [routerLink]="['/bookings', b.id]">{{ b.title }}</a></h3>
        <p class="meta">{{ b.startsAt ? date(b.startsAt) : 'Date not known' }}{{ b.venue ? ' · ' + b.venue : '' }}</p>
        <p class="meta">
          {{ seats(b.seats) }} · {{ amount(b) }} ·
          <span class="status status-{{ b.status }}">{{ statusOf(b) }}</span>
        </p>
        @if (refundText(b); as text) {
          <p class="refund">{{ text }}</p>
        }
        @if (cancelledBy(b); as text) {
          <p class="meta">{{ text }}</p>
        }
        @if (b.status === 'payment_failed') {
          <p class="meta">The card was declined, so nothing was charged.</p>
        }
        @if (upcoming && b.status === 'confirmed') {
          @if (confirming() === b.id) {
            <div class="confirm" role="group" [attr.aria-labelledby]="'confirm-' + b.id">
              <p [id]="'confirm-' + b.id">Cancel {{ seats(b.seats) }} for {{ b.title }}?{{ b.amount_cents ? ' You get ' + amount(b) + ' back.' : '' }}</p>
              <button type="button" class="danger" (click)="cancel(b)" [disabled]="busy()">
                {{ busy() ? 'Cancelling…' : 'Yes, cancel booking' }}
              </button>
              <button type="button" class="secondary" (click)="confirming.set(null)" [disabled]="busy()">Keep booking</button>
            </div>
          } @else {
            <button type="button" class="secondary" (click)="ask(b)">Cancel booking</button>
          }
        }
      </li>
    </ng-template>
  `,
})
export class Bookings {
  private readonly views = inject(BookingViews);
  private readonly notice = inject(Notice);
  protected readonly all = signal<BookingView[]>([]);
  protected readonly loading = signal(true);
  protected readonly error = signal('');
  protected readonly confirming = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly words = STATUS_WORDS;

  protected readonly upcoming = computed(() =>
    this.all()
      .filter((b) => isUpcoming(b))
      .sort((a, b) => (a.startsAt ?? '').localeCompare(b.startsAt ?? '')),
  );
  protected readonly past = computed(() =>
    this.all()
      .filter((b) => !isUpcoming(b))
      .sort((a, b) => (b.startsAt ?? '').localeCompare(a.startsAt ?? '')),
  );

  constructor() {
    void this.load();
  }

  protected statusOf(b: BookingView): string {
    return this.words[b.status];
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

  protected ask(b: BookingView): void {
    this.confirming.set(b.id);
    setTimeout(() => document.querySelector<HTMLElement>(`[data-booking-id="${b.id}"] .confirm .danger`)?.focus(), 0);
  }

  protected async cancel(b: BookingView): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    try {
      const updated = await this.views.cancel(b);
      this.all.set(this.all().map((x) => (x.id === b.id ? updated : x)));
      const back = refundCents(updated);
      this.notice.say(`Booking cancelled.${back ? ` ${money(back, updated.currency)} is refunded to your card.` : ''}`);
    } catch (error) {
      this.error.set(describeError(error, 'cancel'));
    } finally {
      this.busy.set(false);
      this.confirming.set(null);
    }
  }

  private async load(): Promise<void> {
    try {
      this.all.set(await this.views.list());
    } catch (error) {
      this.error.set(describeError(error));
    } finally {
      this.loading.set(false);
    }
  }
}

function isUpcoming(b: BookingView): boolean {
  return b.startsAt === null || new Date(b.startsAt).getTime() > Date.now();
}
