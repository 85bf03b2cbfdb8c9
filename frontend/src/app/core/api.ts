import { Injectable, inject } from '@angular/core';
import { Router } from '@angular/router';

import { Tokens } from './models';
import { Session } from './session';

/** One field the API refused, as the API named it (shown through `fieldLabel`, never raw). */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * An API call that did not succeed. `status` 0 means the API could not be reached. The
 * message is never shown as it is: `describeError` (messages.ts) turns it into plain words.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string | null,
    readonly code: string | null = null,
    readonly fields: FieldProblem[] = [],
    readonly body: unknown = null,
  ) {
    super(detail ?? `API error ${status}`);
    this.name = 'ApiError';
  }

  get field(): string | null {
    return this.fields[0]?.field ?? null;
  }
}

export interface RequestOptions {
  body?: unknown;
  /** Send the access token (and renew it once on 401). Default: when signed in. */
  auth?: boolean;
  headers?: Record<string, string>;
}

export const SESSION_EXPIRED = 'session_expired';

/**
 * The platform's API, called with relative URLs (`/api/<service>/...`): the same files work
 * behind the local gateway and behind CloudFront + the load balancer.
 */
@Injectable({ providedIn: 'root' })
export class Api {
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  private refreshing: Promise<boolean> | null = null;

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  patch<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body });
  }

  delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? this.session.signedIn();
    let response = await this.send(method, path, options, auth);
    if (response.status === 401 && auth && this.session.signedIn()) {
      if (await this.refresh()) {
        response = await this.send(method, path, options, auth);
      } else {
        this.expire();
        throw new ApiError(401, null, SESSION_EXPIRED);
      }
    }
    return read<T>(response);
  }

  /** Exchange the refresh token for a new pair; one exchange at a time, shared by callers. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.exchange().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async exchange(): Promise<boolean> {
    const token = this.session.refreshToken();
    if (!token) return false;
    try {
      const tokens = await this.request<Tokens>('POST', '/api/auth/refresh', {
        body: { refresh_token: token },
        auth: false,
      });
      this.session.renew(tokens);
      return true;
    } catch {
      return false;
    }
  }

  /** The session is over: sign in again, then come back to the page the user was on. */
  private expire(): void {
    const next = this.router.url;
    this.session.clear();
    void this.router.navigate(['/signin'], {
      queryParams: { next: next.startsWith('/signin') ? null : next, expired: 1 },
    });
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
    auth: boolean,
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const token = this.session.accessToken();
    if (auth && token) headers['Authorization'] = `Bearer ${token}`;
    try {
      return await fetch(path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, null, 'unreachable');
    }
  }
}

async function read<T>(response: Response): Promise<T> {
  const text = response.status === 204 ? '' : await response.text().catch(() => '');
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (response.ok) return data as T;
  throw toError(response.status, data);
}

/** The API's error shape: `{"detail": text or [field errors], "code"?, "field"?}`. */
export function toError(status: number, data: unknown): ApiError {
  const body = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const code = typeof body['code'] === 'string' ? body['code'] : null;
  const detail = body['detail'];
  const fields: FieldProblem[] = [];
  let message: string | null = null;
  if (typeof detail === 'string') {
    message = detail;
    if (typeof body['field'] === 'string') fields.push({ field: body['field'], message: detail });
  } else if (Array.isArray(detail)) {
    for (const item of detail as Record<string, unknown>[]) {
      const loc = Array.isArray(item['loc']) ? (item['loc'] as unknown[]) : [];
      const name = String(loc.filter((part) => part !== 'body').at(-1) ?? '');
      fields.push({ field: name, message: String(item['msg'] ?? '') });
    }
  }
  return new ApiError(status, message, code ?? (status === 402 ? 'payment_failed' : null), fields, data);
}
