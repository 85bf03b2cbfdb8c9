import { ApiError, SESSION_EXPIRED, toError } from './api';
import { describeError, humanize } from './messages';

describe('describeError', () => {
  it('explains a declined card in the words of the API, and what to do', () => {
    const error = toError(402, {
      detail: 'Your card was declined by its bank. No money was taken and your seats were released.',
      code: 'card_declined',
      booking: { status: 'payment_failed', failure_reason: 'card_declined' },
    });
    expect(describeError(error, 'booking')).toBe(
      'Your card was declined by its bank. No money was taken and your seats were released. Try another card.',
    );
  });

  it('explains a declined card with its reason when the API gives no sentence', () => {
    const error = toError(402, { status: 'payment_failed', failure_reason: 'card_declined' });
    const text = describeError(error, 'booking');
    expect(text).toContain('Your card was declined: the bank refused the payment.');
    expect(text).not.toMatch(/402|payment_failed|card_declined/);
  });

  it('turns field errors into sentences with words, not field names', () => {
    const error = toError(422, {
      detail: [{ loc: ['body', 'password'], msg: 'String should have at least 8 characters' }],
    });
    expect(describeError(error, 'signup')).toBe('The password must be at least 8 characters long.');
  });

  it('reads the one-field error shape', () => {
    const error = toError(422, { detail: 'starts_at must be in the future', field: 'starts_at' });
    const text = describeError(error, 'event');
    expect(text).not.toContain('starts_at');
    expect(text).toContain('start time');
  });

  it('says a wrong password in plain words', () => {
    expect(describeError(toError(401, { detail: 'invalid credentials' }), 'signin')).toBe(
      'That email address and password do not match an account. Check them and try again.',
    );
  });

  it('says a taken email in plain words', () => {
    expect(describeError(toError(409, { detail: 'email already registered' }), 'signup')).toContain(
      'already exists',
    );
  });

  it('covers an unreachable API and an expired session', () => {
    expect(describeError(new ApiError(0, null, 'unreachable'))).toContain('could not reach');
    expect(describeError(new ApiError(401, null, SESSION_EXPIRED))).toContain('session has expired');
  });

  it('never shows a server error as such', () => {
    expect(describeError(toError(503, { detail: 'payment service down' }))).toBe(
      'Event Planner is having trouble right now. Please try again in a moment.',
    );
  });
});

describe('humanize', () => {
  it('replaces field names and status codes', () => {
    expect(humanize('capacity below seats sold (409)')).toBe('Capacity below seats sold.');
    expect(humanize('price_cents too high')).toBe('Price too high.');
  });
});
