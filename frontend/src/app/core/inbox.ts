import { Injectable, inject, signal } from '@angular/core';

import { Api } from './api';
import { AppNotification } from './models';
import { Session } from './session';

/**
 * The signed-in user's notifications and the unread count the header shows. The count is read
 * again after each navigation (one small request), so a new e-mail shows up without a reload.
 */
@Injectable({ providedIn: 'root' })
export class Inbox {
  private readonly api = inject(Api);
  private readonly session = inject(Session);

  readonly unread = signal(0);

  /** The list, newest first. */
  async load(): Promise<AppNotification[]> {
    const items = await this.api.get<AppNotification[]>('/api/notifications/?limit=100');
    return [...items].sort((a, b) => b.sent_at.localeCompare(a.sent_at));
  }

  /** Refresh the count quietly: the header must never break a page. */
  async poll(): Promise<void> {
    if (!this.session.signedIn()) {
      this.unread.set(0);
      return;
    }
    try {
      this.unread.set((await this.api.get<{ unread: number }>('/api/notifications/unread-count')).unread);
    } catch {
      // the count stays as it was
    }
  }

  /** The user has seen the list: everything in it is read. */
  async markAllRead(): Promise<void> {
    const result = await this.api.post<{ unread: number }>('/api/notifications/read');
    this.unread.set(result.unread);
  }

  reset(): void {
    this.unread.set(0);
  }
}
