import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';

import { Api, ApiError, SESSION_EXPIRED } from './api';
import { Session } from './session';

const user = { id: 'u1', email: 'a@example.org', name: 'Ada', role: 'attendee' as const };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('Api', () => {
  let calls: { url: string; auth: string | null }[];
  let answers: Response[];

  beforeEach(() => {
    sessionStorage.clear();
    calls = [];
    answers = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const headers = (init.headers ?? {}) as Record<string, string>;
      calls.push({ url, auth: headers['Authorization'] ?? null });
      return answers.shift() ?? json(500, {});
    });
    TestBed.configureTestingModule({ providers: [provideRouter([])] });
    TestBed.inject(Session).start({ access_token: 'old', refresh_token: 'r1', expires_in: 900 }, user);
  });

  afterEach(() => vi.unstubAllGlobals());

  it('renews the access token once on 401 and repeats the call', async () => {
    answers = [
      json(401, { detail: 'expired' }),
      json(200, { access_token: 'new', refresh_token: 'r2', expires_in: 900 }),
      json(200, [{ id: 'b1' }]),
    ];
    const result = await TestBed.inject(Api).get<{ id: string }[]>('/api/bookings/');
    expect(result).toEqual([{ id: 'b1' }]);
    expect(calls.map((c) => [c.url, c.auth])).toEqual([
      ['/api/bookings/', 'Bearer old'],
      ['/api/auth/refresh', null],
      ['/api/bookings/', 'Bearer new'],
    ]);
    expect(TestBed.inject(Session).refreshToken()).toBe('r2');
  });

  it('ends the session and sends the user to sign in, to come back, when renewal fails', async () => {
    const router = TestBed.inject(Router);
    const navigate = vi.spyOn(router, 'navigate').mockResolvedValue(true);
    vi.spyOn(router, 'url', 'get').mockReturnValue('/bookings');
    answers = [json(401, { detail: 'expired' }), json(401, { detail: 'session ended' })];
    const failure = await TestBed.inject(Api).get('/api/bookings/').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).code).toBe(SESSION_EXPIRED);
    expect(TestBed.inject(Session).signedIn()).toBe(false);
    expect(navigate).toHaveBeenCalledWith(['/signin'], { queryParams: { next: '/bookings', expired: 1 } });
  });

  it('reads the error shape: detail, code and field', async () => {
    answers = [json(409, { detail: 'capacity below seats sold', code: 'capacity_below_sold', field: 'capacity' })];
    const failure = (await TestBed.inject(Api).patch('/api/events/e1', {}).catch((e: unknown) => e)) as ApiError;
    expect([failure.status, failure.code, failure.field]).toEqual([409, 'capacity_below_sold', 'capacity']);
  });
});
