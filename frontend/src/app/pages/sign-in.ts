import { Component, ElementRef, inject, input, signal, viewChild } from '@angular/core';
import { Router, RouterLink } from '@angular/router';

import { Accounts } from '../core/accounts';
import { safeNext } from '../core/guards';
import { describeError } from '../core/messages';
import { Notice } from '../core/notice';

@Component({
  selector: 'app-sign-in',
  imports: [RouterLink],
  template: `
    <h1>Sign in</h1>
    @if (expired()) {
      <p class="warning" role="alert" id="session-expired">Your session has expired. Sign in again to carry on where you were.</p>
    }
    <form id="signin-form" class="card form narrow" (submit)="submit($event)">
      <div class="field">
        <label for="signin-email">Email address</label>
        <input id="signin-email" name="email" type="email" autocomplete="username" required maxlength="254" />
      </div>
      <div class="field">
        <label for="signin-password">Password</label>
        <input id="signin-password" name="password" type="password" autocomplete="current-password" required maxlength="128" />
      </div>
      <div #failure class="error" role="alert" tabindex="-1" [hidden]="!error()">{{ error() }}</div>
      <button type="submit" [disabled]="busy()">{{ busy() ? 'Signing in…' : 'Sign in' }}</button>
    </form>
    <p>New here? <a routerLink="/signup" [queryParams]="{ next: next() }">Create an account</a></p>
  `,
})
export class SignIn {
  readonly next = input<string | undefined>();
  readonly expired = input<string | undefined>();
  private readonly accounts = inject(Accounts);
  private readonly router = inject(Router);
  private readonly notice = inject(Notice);
  private readonly failure = viewChild<ElementRef<HTMLElement>>('failure');
  protected readonly error = signal('');
  protected readonly busy = signal(false);

  protected async submit(event: Event): Promise<void> {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    this.busy.set(true);
    this.error.set('');
    try {
      const user = await this.accounts.signIn(String(data.get('email') ?? '').trim(), String(data.get('password') ?? ''));
      this.notice.show(`Welcome back, ${user.name}.`);
      await this.router.navigateByUrl(safeNext(this.next()) ?? (user.role === 'organizer' ? '/organizer' : '/'));
    } catch (error) {
      this.error.set(describeError(error, 'signin'));
      setTimeout(() => this.failure()?.nativeElement.focus(), 0);
    } finally {
      this.busy.set(false);
    }
  }
}
