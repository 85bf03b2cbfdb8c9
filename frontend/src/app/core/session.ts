import { Injectable, computed, signal } from '@angular/core';

import { Tokens, User } from './models';

const STORAGE_KEY = 'event-planner.session';

interface Stored {
  access: string;
  refresh: string;
  user: User;
}

/**
 * The signed-in user and their tokens, kept in sessionStorage (one tab's session: closing the
 * tab signs out). The access token lives 15 minutes; the API client exchanges the refresh
 * token for a new pair when the API answers 401.
 */
@Injectable({ providedIn: 'root' })
export class Session {
  private readonly stored = signal<Stored | null>(read());

  readonly user = computed(() => this.stored()?.user ?? null);
  readonly signedIn = computed(() => this.stored() !== null);
  readonly isOrganizer = computed(() => this.user()?.role === 'organizer');

  accessToken(): string | null {
    return this.stored()?.access ?? null;
  }

  refreshToken(): string | null {
    return this.stored()?.refresh ?? null;
  }

  start(tokens: Tokens, user: User): void {
    this.write({ access: tokens.access_token, refresh: tokens.refresh_token, user });
  }

  renew(tokens: Tokens): void {
    const current = this.stored();
    if (current) {
      this.write({ ...current, access: tokens.access_token, refresh: tokens.refresh_token });
    }
  }

  clear(): void {
    this.write(null);
  }

  private write(value: Stored | null): void {
    this.stored.set(value);
    try {
      if (value) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // storage can be unavailable (private modes): the session then lasts as long as the page
    }
  }
}

function read(): Stored | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Stored | null;
    return value && value.access && value.refresh && value.user ? value : null;
  } catch {
    return null;
  }
}
