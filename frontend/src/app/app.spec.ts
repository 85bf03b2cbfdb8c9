import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { App } from './app';
import { Inbox } from './core/inbox';
import { Session } from './core/session';

describe('App header', () => {
  beforeEach(() => {
    sessionStorage.clear();
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ unread: 0 }), { status: 200 }));
    TestBed.configureTestingModule({ imports: [App], providers: [provideRouter([])] });
  });

  afterEach(() => vi.unstubAllGlobals());

  it('offers sign in and sign up to visitors', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const links = [...(fixture.nativeElement as HTMLElement).querySelectorAll('nav a')].map((a) => a.textContent?.trim());
    expect(links).toEqual(['Events', 'Sign in', 'Sign up']);
  });

  it('shows the unread count to a signed-in organizer', async () => {
    TestBed.inject(Session).start(
      { access_token: 'a', refresh_token: 'r', expires_in: 900 },
      { id: 'u', email: 'o@example.org', name: 'Olu', role: 'organizer' },
    );
    TestBed.inject(Inbox).unread.set(3);
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    expect(element.querySelector('[data-testid="unread-count"]')?.textContent).toBe('3 unread');
    expect(element.querySelector('#whoami')?.textContent).toBe('Olu');
    expect(element.textContent).toContain('My events');
  });
});
