import { Component, inject } from '@angular/core';
import { NavigationEnd, Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

import { Api } from './core/api';
import { Inbox } from './core/inbox';
import { Notice } from './core/notice';
import { Session } from './core/session';

@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  template: `
    <a class="skip-link" href="#main" (click)="skipToContent($event)">Skip to content</a>
    <header class="site-header">
      <div class="bar">
        <a class="brand" routerLink="/">Event Planner</a>
        <nav class="site-nav" aria-label="Main">
          <ul>
            <li>
              <a routerLink="/" routerLinkActive="active" [routerLinkActiveOptions]="{ exact: true }" ariaCurrentWhenActive="page">Events</a>
            </li>
            @if (session.user(); as user) {
              <li><a routerLink="/bookings" routerLinkActive="active" ariaCurrentWhenActive="page">My bookings</a></li>
              @if (user.role === 'organizer') {
                <li><a routerLink="/organizer" routerLinkActive="active" ariaCurrentWhenActive="page">My events</a></li>
              }
              <li>
                <a routerLink="/notifications" routerLinkActive="active" ariaCurrentWhenActive="page" class="with-badge" id="nav-notifications">
                  Notifications
                  @if (inbox.unread() > 0) {
                    <span class="badge" data-testid="unread-count">{{ inbox.unread() }}<span class="visually-hidden"> unread</span></span>
                  }
                </a>
              </li>
              <li class="account">
                <span class="who" id="whoami" title="{{ user.email }}">{{ user.name }}</span>
                <button type="button" class="link-button" id="signout" (click)="signOut()">Sign out</button>
              </li>
            } @else {
              <li><a routerLink="/signin" routerLinkActive="active" ariaCurrentWhenActive="page">Sign in</a></li>
              <li><a routerLink="/signup" routerLinkActive="active" ariaCurrentWhenActive="page">Sign up</a></li>
            }
          </ul>
        </nav>
      </div>
    </header>
    <main id="main" tabindex="-1">
      <p class="notice" role="status" aria-live="polite" [hidden]="!notice.text()">{{ notice.text() }}</p>
      <router-outlet />
    </main>
    <footer class="site-footer">
      <p>Event Planner · test payments only: no real card is ever charged.</p>
    </footer>
  `,
})
export class App {
  protected readonly session = inject(Session);
  protected readonly inbox = inject(Inbox);
  protected readonly notice = inject(Notice);
  private readonly api = inject(Api);
  private readonly router = inject(Router);
  private navigations = 0;

  constructor() {
    this.router.events.subscribe((event) => {
      if (!(event instanceof NavigationEnd)) return;
      this.notice.navigated();
      void this.inbox.poll();
      // After an in-app navigation, move focus to the new page's heading (as a page load
      // would reset it), so keyboard and screen reader users start at the top.
      if (this.navigations++ > 0) setTimeout(() => focusHeading(), 0);
    });
  }

  protected skipToContent(event: Event): void {
    event.preventDefault();
    document.getElementById('main')?.focus();
  }

  protected async signOut(): Promise<void> {
    const token = this.session.refreshToken();
    if (token) {
      try {
        await this.api.post('/api/auth/logout', { refresh_token: token }, { auth: false });
      } catch {
        // the session ends here whatever the API says
      }
    }
    this.session.clear();
    this.inbox.reset();
    this.notice.show('You are signed out.');
    await this.router.navigateByUrl('/');
  }
}

function focusHeading(): void {
  const heading = document.querySelector<HTMLElement>('main h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}
