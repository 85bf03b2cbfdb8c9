import { Component, ElementRef, computed, effect, inject, input, signal, viewChild } from '@angular/core';
import { Router, RouterLink } from '@angular/router';

import { Api, ApiError } from '../core/api';
import { checkCard } from '../core/cards';
import { dateRange, plural, price } from '../core/format';
import { describeError } from '../core/messages';
import { Booking, EventItem } from '../core/models';

const MAX_SEATS = 10;

/** Book seats of one event: how many, and a card when the event is not free. */
@Component({
  selector: 'app-checkout',
  imports: [RouterLink],
  template: `
    <h1>Book seats</h1>
    @if (event(); as e) {
      <section class="card summary-card" aria-label="Event">
        <h2><a [routerLink]="['/events', e.id]">{{ e.title }}</a></h2>
        <p class="meta">{{ when(e) }} · {{ e.venue }}</p>
        <p class="meta">{{ priceOf(e) }}{{ e.price_cents > 0 ? ' per seat' : '' }} · {{ seatsLeft(e) }}</p>
      </section>
      @if (e.status === 'cancelled' || e.seats_available === 0) {
        <p class="error" role="alert">{{ e.status === 'cancelled' ? 'This event has been cancelled.' : 'This event is sold out.' }}</p>
      } @else {
        <form id="checkout-form" class="card form" (submit)="book($event)" novalidate>
          <div class="field">
            <label for="seats">Seats</label>
            <select id="seats" name="seats" (change)="seats.set(+$any($event.target).value)">
              @for (n of seatChoices(); track n) {
                <option [value]="n" [selected]="n === seats()">{{ n }}</option>
              }
            </select>
          </div>
          <p class="total" aria-live="polite">Total: <strong>{{ total() }}</strong></p>

          @if (free()) {
            <p class="hint" id="free-note">This event is free: no card is needed.</p>
          } @else {
            <fieldset class="card-fields">
              <legend>Card</legend>
              <div class="test-cards" id="test-cards">
                <p><strong>Test payments only.</strong> No real card is charged. Use one of these cards, with any future expiry date and any 3-digit security code:</p>
                <ul>
                  <li><code>4242 4242 4242 4242</code> is accepted.</li>
                  <li><code>4000 0000 0000 0002</code> is declined.</li>
                </ul>
              </div>
              <div class="field">
                <label for="card-number">Card number</label>
                <input id="card-number" name="card_number" inputmode="numeric" autocomplete="cc-number" maxlength="23"
                  placeholder="4242 4242 4242 4242" aria-describedby="test-cards card-number-error"
                  [attr.aria-invalid]="problems()['number'] ? 'true' : null" />
                <p class="field-error" id="card-number-error">{{ problems()['number'] }}</p>
              </div>
              <div class="row">
                <div class="field">
                  <label for="card-expiry">Expiry date (MM/YY)</label>
                  <input id="card-expiry" name="expiry" inputmode="numeric" autocomplete="cc-exp" maxlength="7" placeholder="12/30"
                    aria-describedby="card-expiry-error" [attr.aria-invalid]="problems()['expiry'] ? 'true' : null" />
                  <p class="field-error" id="card-expiry-error">{{ problems()['expiry'] }}</p>
                </div>
                <div class="field">
                  <label for="card-cvc">Security code (CVC)</label>
                  <input id="card-cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" maxlength="4" placeholder="123"
                    aria-describedby="card-cvc-error" [attr.aria-invalid]="problems()['cvc'] ? 'true' : null" />
                  <p class="field-error" id="card-cvc-error">{{ problems()['cvc'] }}</p>
                </div>
              </div>
            </fieldset>
          }
          <div #failure class="error" role="alert" tabindex="-1" [hidden]="!error()" id="checkout-error">
            @if (declined()) {
              <strong>Payment declined.</strong>
            }
            {{ error() }}
          </div>
          <button type="submit" [disabled]="busy()">
            {{ busy() ? 'Booking…' : free() ? 'Book for free' : 'Pay ' + total() }}
          </button>
        </form>
      }
    } @else if (loadError()) {
      <p class="error" role="alert">{{ loadError() }}</p>
      <p><a routerLink="/">Back to all events</a></p>
    } @else {
      <p class="loading" role="status">Loading the event…</p>
    }
  `,
})
export class Checkout {
  readonly id = input.required<string>();
  private readonly api = inject(Api);
  private readonly router = inject(Router);
  private readonly failure = viewChild<ElementRef<HTMLElement>>('failure');

  protected readonly event = signal<EventItem | null>(null);
  protected readonly loadError = signal('');
  protected readonly seats = signal(1);
  protected readonly busy = signal(false);
  protected readonly error = signal('');
  protected readonly declined = signal(false);
  protected readonly problems = signal<Record<string, string>>({});

  protected readonly free = computed(() => this.event()?.price_cents === 0);
  protected readonly total = computed(() => {
    const e = this.event();
    return e ? price(e.price_cents * this.seats(), e.currency) : '';
  });
  protected readonly seatChoices = computed(() => {
    const available = Math.min(MAX_SEATS, this.event()?.seats_available ?? 1);
    return Array.from({ length: Math.max(1, available) }, (_, i) => i + 1);
  });

  constructor() {
    effect(() => void this.load(this.id()));
  }

  protected when(e: EventItem): string {
    return dateRange(e.starts_at, e.ends_at);
  }

  protected priceOf(e: EventItem): string {
    return price(e.price_cents, e.currency);
  }

  protected seatsLeft(e: EventItem): string {
    return `${plural(e.seats_available, 'seat')} left`;
  }

  protected async book(submitted: Event): Promise<void> {
    submitted.preventDefault();
    const e = this.event();
    if (!e || this.busy()) return;
    const data = new FormData(submitted.target as HTMLFormElement);
    const body: Record<string, unknown> = { event_id: e.id, seats: this.seats() };
    this.error.set('');
    this.declined.set(false);
    if (!this.free()) {
      const checked = checkCard(
        String(data.get('card_number') ?? ''),
        String(data.get('expiry') ?? ''),
        String(data.get('cvc') ?? ''),
      );
      this.problems.set(checked.problems);
      if (!checked.number) {
        this.show('Check the card details below.');
        return;
      }
      body['card_number'] = checked.number; // expiry and CVC are checked here, never sent
    }
    this.busy.set(true);
    try {
      const booking = await this.api.post<Booking>('/api/bookings/', body, {
        headers: { 'Idempotency-Key': crypto.randomUUID() },
      });
      await this.router.navigate(['/bookings', booking.id], { state: { justBooked: true } });
    } catch (error) {
      this.declined.set(error instanceof ApiError && error.status === 402);
      this.show(describeError(error, 'booking'));
      await this.refreshSeats(e.id);
    } finally {
      this.busy.set(false);
    }
  }

  private show(message: string): void {
    this.error.set(message);
    setTimeout(() => this.failure()?.nativeElement.focus(), 0);
  }

  private async refreshSeats(id: string): Promise<void> {
    try {
      this.event.set(await this.api.get<EventItem>(`/api/events/${encodeURIComponent(id)}`, { auth: false }));
    } catch {
      // keep what is shown
    }
  }

  private async load(id: string): Promise<void> {
    try {
      const event = await this.api.get<EventItem>(`/api/events/${encodeURIComponent(id)}`, { auth: false });
      this.event.set(event);
    } catch (error) {
      this.loadError.set(describeError(error, 'booking'));
    }
  }
}

