import { Component, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';

import { Api } from '../core/api';
import { dateTime, money, price } from '../core/format';
import { describeError } from '../core/messages';
import { Notice } from '../core/notice';
import { OrganizerEvent, OrganizerEventPage } from '../core/models';

const PAGE_SIZE = 20;

/** An organizer's own events, with seats sold and revenue; edit or cancel each. */
@Component({
  selector: 'app-organizer-events',
  imports: [RouterLink],
  template: `
    <div class="page-head">
      <h1>My events</h1>
      <a class="button" routerLink="/organizer/events/new" id="new-event">Create an event</a>
    </div>
    @if (error()) {
      <p class="error" role="alert">{{ error() }}</p>
    }
    @if (loading()) {
      <p class="loading" role="status">Loading your events…</p>
    } @else if (!error() && items().length === 0) {
      <div class="empty">
        <p>You have not created any events yet.</p>
        <p><a routerLink="/organizer/events/new">Create your first event</a></p>
      </div>
    } @else {
      <ul class="cards" aria-label="My events">
        @for (e of items(); track e.id) {
          <li class="card organizer-event" [attr.data-event-id]="e.id" [class.cancelled]="e.status === 'cancelled'">
            <h2><a [routerLink]="['/events', e.id]">{{ e.title }}</a></h2>
            <p class="meta">{{ date(e.starts_at) }} · {{ e.venue }}</p>
            <dl class="stats">
              <div><dt>Status</dt><dd class="status status-{{ e.status }}">{{ e.status === 'cancelled' ? 'Cancelled' : started(e) ? 'Started' : 'On sale' }}</dd></div>
              <div><dt>Seats sold</dt><dd class="seats-sold">{{ e.seats_sold }} of {{ e.capacity }}</dd></div>
              <div><dt>Revenue</dt><dd class="revenue">{{ revenue(e) }}</dd></div>
              <div><dt>Price</dt><dd>{{ priceOf(e) }}</dd></div>
            </dl>
            @if (e.status === 'published' && !started(e)) {
              @if (confirming() === e.id) {
                <div class="confirm" role="group" [attr.aria-labelledby]="'confirm-' + e.id">
                  <p [id]="'confirm-' + e.id">Cancel {{ e.title }}? Every booking is cancelled and refunded, and each attendee is told by e-mail. This cannot be undone.</p>
                  <button type="button" class="danger" (click)="cancel(e)" [disabled]="busy()">{{ busy() ? 'Cancelling…' : 'Yes, cancel event' }}</button>
                  <button type="button" class="secondary" (click)="confirming.set(null)" [disabled]="busy()">Keep event</button>
                </div>
              } @else {
                <p class="actions">
                  <a class="button secondary" [routerLink]="['/organizer/events', e.id, 'edit']">Edit</a>
                  <button type="button" class="secondary" (click)="ask(e)">Cancel event</button>
                </p>
              }
            }
          </li>
        }
      </ul>
      @if (total() > PAGE_SIZE) {
        <nav class="pager" aria-label="Pages of my events">
          <button type="button" class="secondary" (click)="go(offset() - PAGE_SIZE)" [disabled]="offset() === 0">Previous</button>
          <span>Page {{ offset() / PAGE_SIZE + 1 }} of {{ pages() }}</span>
          <button type="button" class="secondary" (click)="go(offset() + PAGE_SIZE)" [disabled]="offset() + PAGE_SIZE >= total()">Next</button>
        </nav>
      }
    }
  `,
})
export class OrganizerEvents {
  protected readonly PAGE_SIZE = PAGE_SIZE;
  private readonly api = inject(Api);
  private readonly notice = inject(Notice);
  protected readonly items = signal<OrganizerEvent[]>([]);
  protected readonly total = signal(0);
  protected readonly offset = signal(0);
  protected readonly loading = signal(true);
  protected readonly error = signal('');
  protected readonly confirming = signal<string | null>(null);
  protected readonly busy = signal(false);

  constructor() {
    void this.load();
  }

  protected date(iso: string): string {
    return dateTime(iso);
  }

  protected started(e: OrganizerEvent): boolean {
    return new Date(e.starts_at).getTime() <= Date.now();
  }

  protected revenue(e: OrganizerEvent): string {
    return money(e.revenue_cents ?? 0, e.currency);
  }

  protected priceOf(e: OrganizerEvent): string {
    return price(e.price_cents, e.currency);
  }

  protected pages(): number {
    return Math.ceil(this.total() / PAGE_SIZE);
  }

  protected go(offset: number): void {
    this.offset.set(Math.max(0, offset));
    void this.load();
  }

  protected ask(e: OrganizerEvent): void {
    this.confirming.set(e.id);
    setTimeout(() => document.querySelector<HTMLElement>(`[data-event-id="${e.id}"] .confirm .danger`)?.focus(), 0);
  }

  protected async cancel(e: OrganizerEvent): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    try {
      await this.api.delete(`/api/events/${encodeURIComponent(e.id)}`);
      this.notice.say(`${e.title} is cancelled. Its attendees are refunded and told by e-mail.`);
      await this.load();
    } catch (error) {
      this.error.set(describeError(error, 'event'));
    } finally {
      this.busy.set(false);
      this.confirming.set(null);
    }
  }

  private async load(): Promise<void> {
    this.loading.set(this.items().length === 0);
    try {
      const page = await this.api.get<OrganizerEventPage>(`/api/events/mine?limit=${PAGE_SIZE}&offset=${this.offset()}`);
      this.items.set(page.items);
      this.total.set(page.total);
    } catch (error) {
      this.error.set(describeError(error));
    } finally {
      this.loading.set(false);
    }
  }
}
