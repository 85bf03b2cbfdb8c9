import { Injectable, inject } from '@angular/core';

import { Api } from './api';
import { Inbox } from './inbox';
import { Role, Tokens, User } from './models';
import { Session } from './session';

/** Signing up and in. */
@Injectable({ providedIn: 'root' })
export class Accounts {
  private readonly api = inject(Api);
  private readonly session = inject(Session);
  private readonly inbox = inject(Inbox);

  async signIn(email: string, password: string): Promise<User> {
    const tokens = await this.api.post<Tokens>('/api/auth/login', { email, password }, { auth: false });
    const user = await this.api.get<User>('/api/auth/me', {
      auth: false,
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    this.session.start(tokens, user);
    void this.inbox.poll();
    return user;
  }

  async signUp(name: string, email: string, password: string, role: Role): Promise<User> {
    await this.api.post('/api/auth/register', { name, email, password, role }, { auth: false });
    return this.signIn(email, password);
  }
}
