import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';

import { Session } from './session';

/** Pages for signed-in users: anyone else signs in first and comes back. */
export const signedIn: CanActivateFn = (_route, state) => {
  const session = inject(Session);
  return session.signedIn() || inject(Router).createUrlTree(['/signin'], { queryParams: { next: state.url } });
};

/** Organizer pages. */
export const organizer: CanActivateFn = (route, state) => {
  const session = inject(Session);
  if (!session.signedIn()) return signedIn(route, state);
  return session.isOrganizer() || inject(Router).createUrlTree(['/']);
};

/** Where to go after signing in: only a path of this site (never another origin). */
export function safeNext(next: string | null | undefined): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  return next;
}
