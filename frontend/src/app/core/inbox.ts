import { Injectable, inject, signal } from '@angular/core';

import { Api } from './api';
import { AppNotification } from './models';
import { Session } from './session';

interface NotificationPage {
  items: AppNotification[];
  unread?: number;
  unread_count?: number;
}

/**
 * The signed-in user's notifications and the unread count the header shows. The list is read
 * again after each navigation (cheap: one small request), so a new e-mail shows up without a
 * reload.
 */
@Injectable({ providedIn: 'root' })
export class Inbox {
  private readonly api = inject(Api);
  private readonly session = inject(Session);

  readonly items = signal<AppNotification[]>([]);
  readonly unread = signal(0);
  readonly loaded = signal(false);

  async load(): Promise<AppNotification[]> {
    if (!this.session.signedIn()) {
      this.reset();
      return [];
    }
    const data = await this.api.get<AppNotification[] | NotificationPage>('/api/notifications/?limit=50');
    const page: NotificationPage = Array.isArray(data) ? { items: data } : data;
    const items = [...page.items].sort((a, b) => b.sent_at.localeCompare(a.sent_at));
    this.items.set(items);
    this.unread.set(page.unread ?? page.unread_count ?? items.filter((n) => this.isUnread(n)).length);
    this.loaded.set(true);
    return items;
  }

  /** Refresh the count quietly (the header must never break a page). */
  async poll(): Promise<void> {
    try {
      await this.load();
    } catch {
      // the count stays as it was
    }
  }

  isUnread(item: AppNotification): boolean {
    if (item.read !== undefined) return !item.read;
    if (item.read_at !== undefined) return item.read_at === null;
    return item.sent_at > this.lastSeen();
  }

  /** The user has seen the list: everything in it is read. */
  async markAllRead(): Promise<void> {
    const newest = this.items()[0]?.sent_at;
    if (!newest) return;
    if (this.items().some((n) => n.read !== undefined || n.read_at !== undefined)) {
      try {
        await this.api.post('/api/notifications/read', { up_to: newest });
      } catch {
        // the list stays unread on the server; try again on the next visit
        return;
      }
    }
    this.setLastSeen(newest);
    this.unread.set(0);
  }

  reset(): void {
    this.items.set([]);
    this.unread.set(0);
    this.loaded.set(false);
  }

  private key(): string {
    return `event-planner.notifications-seen.${this.session.user()?.id ?? ''}`;
  }

  private lastSeen(): string {
    try {
      return localStorage.getItem(this.key()) ?? '';
    } catch {
      return '';
    }
  }

  private setLastSeen(value: string): void {
    try {
      localStorage.setItem(this.key(), value);
    } catch {
      // unavailable storage: the count comes back on reload
    }
  }
}
