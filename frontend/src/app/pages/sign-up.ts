import { Component, ElementRef, inject, input, signal, viewChild } from '@angular/core';
import { Router, RouterLink } from '@angular/router';

import { Accounts } from '../core/accounts';
import { safeNext } from '../core/guards';
import { describeError } from '../core/messages';
import { Role } from '../core/models';
import { Notice } from '../core/notice';

@Component({
  selector: 'app-sign-up',
  imports: [RouterLink],
  template: `
    <h1>Create an account</h1>
    <form id="signup-form" class="card form narrow" (submit)="submit($event)">
      <div class="field">
        <label for="signup-name">Your name</label>
        <input id="signup-name" name="name" autocomplete="name" required maxlength="100" />
      </div>
      <div class="field">
        <label for="signup-email">Email address</label>
        <input id="signup-email" name="email" type="email" autocomplete="email" required maxlength="254" />
      </div>
      <div class="field">
        <label for="signup-password">Password</label>
        <input id="signup-password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="128" aria-describedby="password-hint" />
        <p class="hint" id="password-hint">At least 8 characters.</p>
      </div>
      <fieldset>
        <legend>I want to</legend>
        <label class="choice"><input type="radio" name="role" value="attendee" checked /> attend events</label>
        <label class="choice"><input type="radio" name="role" value="organizer" /> organize events</label>
      </fieldset>
      <div #failure class="error" role="alert" tabindex="-1" [hidden]="!error()">{{ error() }}</div>
      <button type="submit" [disabled]="busy()">{{ busy() ? 'Creating your account…' : 'Sign up' }}</button>
    </form>
    <p>Already have an account? <a routerLink="/signin" [queryParams]="{ next: next() }">Sign in</a></p>
  `,
})
export class SignUp {
  readonly next = input<string | undefined>();
  private readonly accounts = inject(Accounts);
  private readonly router = inject(Router);
  private readonly notice = inject(Notice);
  private readonly failure = viewChild<ElementRef<HTMLElement>>('failure');
  protected readonly error = signal('');
  protected readonly busy = signal(false);

  protected async submit(event: Event): Promise<void> {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const text = (name: string) => String(data.get(name) ?? '');
    this.busy.set(true);
    this.error.set('');
    try {
      const role = (text('role') || 'attendee') as Role;
      const user = await this.accounts.signUp(text('name').trim(), text('email').trim(), text('password'), role);
      this.notice.show(`Welcome, ${user.name}. Your account is ready.`);
      await this.router.navigateByUrl(safeNext(this.next()) ?? (role === 'organizer' ? '/organizer' : '/'));
    } catch (error) {
      this.error.set(describeError(error, 'signup'));
      setTimeout(() => this.failure()?.nativeElement.focus(), 0);
    } finally {
      this.busy.set(false);
    }
  }
}
