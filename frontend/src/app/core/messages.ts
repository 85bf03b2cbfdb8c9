import { ApiError, SESSION_EXPIRED } from './api';

/** What the user was doing when something failed: it decides the words. */
export type Activity = 'signin' | 'signup' | 'booking' | 'cancel' | 'event' | 'load';

/** The words for each API field name: a raw field name never reaches the page. */
const LABELS: Record<string, string> = {
  email: 'email address',
  password: 'password',
  name: 'name',
  role: 'account type',
  seats: 'number of seats',
  card_number: 'card number',
  event_id: 'event',
  title: 'title',
  description: 'description',
  venue: 'venue',
  starts_at: 'start time',
  ends_at: 'end time',
  capacity: 'capacity',
  price_cents: 'price',
  currency: 'currency',
  q: 'search',
  from: 'from date',
  to: 'to date',
  refresh_token: 'session',
};

export function fieldLabel(field: string): string {
  return LABELS[field] ?? field.replace(/_/g, ' ');
}

/** A sentence from the API with any field names in it replaced by their words. */
export function humanize(text: string): string {
  let result = text.replace(/\b[a-z]+(?:_[a-z]+)+\b/g, (word) => LABELS[word] ?? word.replace(/_/g, ' '));
  result = result.replace(/\s*\(?\b(?:HTTP\s*)?[1-5]\d\d\b\)?(?=[\s.:;,]|$)/g, '').trim();
  if (!result) return '';
  return capitalize(result.endsWith('.') ? result : `${result}.`);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const DECLINE_REASONS: Record<string, string> = {
  card_declined: 'the bank refused the payment',
  insufficient_funds: 'the card has insufficient funds',
  expired_card: 'the card has expired',
  incorrect_cvc: 'the security code is wrong',
};

/** Why a card was declined, in words. */
export function declineReason(error: ApiError): string {
  const body = (error.body ?? {}) as Record<string, unknown>;
  const booking = (body['booking'] ?? body) as Record<string, unknown>;
  const reason = typeof booking['failure_reason'] === 'string' ? booking['failure_reason'] : null;
  if (reason && DECLINE_REASONS[reason]) return DECLINE_REASONS[reason];
  if (error.detail) return humanize(error.detail).replace(/\.$/, '');
  return 'the bank refused the payment';
}

function fieldMessage(field: string, message: string): string {
  const label = fieldLabel(field);
  const text = message.replace(/^Value error, /, '');
  if (/at least (\d+) characters?/.test(text)) {
    return `The ${label} must be at least ${/at least (\d+)/.exec(text)![1]} characters long.`;
  }
  if (/at most (\d+) characters?/.test(text)) {
    return `The ${label} can be at most ${/at most (\d+)/.exec(text)![1]} characters long.`;
  }
  if (/valid email|email address/i.test(text) && field === 'email') {
    return 'Enter a valid email address, like name@example.org.';
  }
  if (/Luhn|digits/i.test(text) && field === 'card_number') {
    return 'That card number is not valid. Check the digits and try again.';
  }
  if (/required|missing/i.test(text)) return `Please fill in the ${label}.`;
  return `Check the ${label}: ${humanize(text).replace(/^./, (c) => c.toLowerCase())}`;
}

/** A failure in plain words for the page, never a status code or a raw field name. */
export function describeError(error: unknown, activity: Activity = 'load'): string {
  if (!(error instanceof ApiError)) {
    return 'Something went wrong on this page. Reload it and try again.';
  }
  if (error.code === SESSION_EXPIRED) return 'Your session has expired. Please sign in again.';
  if (error.status === 0) {
    return 'We could not reach Event Planner. Check your connection and try again.';
  }
  if (error.fields.length > 0 && (error.status === 422 || error.status === 400)) {
    return error.fields.map((f) => fieldMessage(f.field, f.message)).join(' ');
  }
  switch (error.status) {
    case 401:
      return activity === 'signin'
        ? 'That email address and password do not match an account. Check them and try again.'
        : 'Please sign in to do that.';
    case 402:
      return error.detail
        ? `${humanize(error.detail)} Try another card.`
        : `Your card was declined: ${declineReason(error)}. Nothing was charged and no seats are held for you. Try another card.`;
    case 403:
      return activity === 'event'
        ? 'Only the organizer of this event can change it.'
        : 'Your account cannot do that.';
    case 404:
      return activity === 'booking'
        ? 'This event is no longer available to book.'
        : 'We could not find that. It may have been removed.';
    case 409:
      if (activity === 'signup') return 'An account with this email address already exists. Sign in instead.';
      if (activity === 'booking') {
        return error.detail ? humanize(error.detail) : 'There are not enough seats left for that many people.';
      }
      return error.detail ? humanize(error.detail) : 'That cannot be done in the current state.';
    case 410:
      return 'This event has been cancelled.';
    case 413:
      return 'That is too much text. Shorten it and try again.';
    case 429:
      return 'Too many attempts. Wait a few minutes, then try again.';
  }
  if (error.status >= 500) {
    return 'Event Planner is having trouble right now. Please try again in a moment.';
  }
  return error.detail ? humanize(error.detail) : 'That did not work. Please try again.';
}
