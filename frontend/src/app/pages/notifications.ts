import { Component, inject, signal } from '@angular/core';

import { dateTime } from '../core/format';
import { Inbox } from '../core/inbox';
import { describeError } from '../core/messages';
import { AppNotification } from '../core/models';

const KINDS: Record<string, string> = {
  welcome: 'Welcome',
  booking_confirmed: 'Booking confirmed',
  booking_cancelled: 'Booking cancelled',
  payment_receipt: 'Payment receipt',
  event_cancelled: 'Event cancelled',
  event_updated: 'Event changed',
};

/** What the platform has sent the user, newest first. */
@Component({
  selector: 'app-notifications',
  template: `
    <h1>Notifications</h1>
    @if (error()) {
      <p class="error" role="alert">{{ error() }}</p>
    } @else if (loading()) {
      <p class="loading" role="status">Loading your notifications…</p>
    } @else if (items().length === 0) {
      <p class="empty">Nothing yet. Booking confirmations, receipts and changes to your events appear here.</p>
    } @else {
      <ul class="cards notifications" aria-label="Notifications, newest first">
        @for (n of items(); track n.id) {
          <li class="card notification" [class.unread]="unread().has(n.id)">
            <p class="kind">{{ kind(n) }}@if (unread().has(n.id)) {<span class="new-tag">New</span>}</p>
            <h2>{{ n.subject }}</h2>
            <p class="meta">Sent by e-mail · <time [attr.datetime]="n.sent_at">{{ date(n.sent_at) }}</time></p>
          </li>
        }
      </ul>
    }
  `,
})
export class Notifications {
  private readonly inbox = inject(Inbox);
  protected readonly items = signal<AppNotification[]>([]);
  protected readonly unread = signal(new Set<string>());
  protected readonly loading = signal(true);
  protected readonly error = signal('');

  constructor() {
    void this.load();
  }

  protected kind(n: AppNotification): string {
    return KINDS[n.kind] ?? 'Message';
  }

  protected date(iso: string): string {
    return dateTime(iso);
  }

  private async load(): Promise<void> {
    try {
      const items = await this.inbox.load();
      this.unread.set(new Set(items.filter((n) => n.read_at === null).map((n) => n.id)));
      this.items.set(items);
      if (this.unread().size > 0) await this.inbox.markAllRead().catch(() => undefined);
    } catch (error) {
      this.error.set(describeError(error));
    } finally {
      this.loading.set(false);
    }
  }
}
