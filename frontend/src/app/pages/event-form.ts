import { Component, ElementRef, effect, inject, input, signal, viewChild } from '@angular/core';
import { Router, RouterLink } from '@angular/router';

import { Api, ApiError } from '../core/api';
import { toLocalInput } from '../core/format';
import { describeError } from '../core/messages';
import { Notice } from '../core/notice';
import { EventItem } from '../core/models';

type EventFields = Record<string, string | number>;

/** Create an event, or edit one of the organizer's own (`id` given). */
@Component({
  selector: 'app-event-form',
  imports: [RouterLink],
  template: `
    <h1>{{ id() ? 'Edit event' : 'Create an event' }}</h1>
    @if (loadError()) {
      <p class="error" role="alert">{{ loadError() }}</p>
      <p><a routerLink="/organizer">Back to my events</a></p>
    } @else if (id() && !original()) {
      <p class="loading" role="status">Loading the event…</p>
    } @else {
      <form id="event-form" class="card form" (submit)="submit($event)">
        <div class="field">
          <label for="event-title">Title</label>
          <input id="event-title" name="title" required maxlength="200" [value]="original()?.title ?? ''" />
        </div>
        <div class="field">
          <label for="event-description">Description</label>
          <textarea id="event-description" name="description" maxlength="5000" rows="5" [value]="original()?.description ?? ''"></textarea>
        </div>
        <div class="field">
          <label for="event-venue">Venue</label>
          <input id="event-venue" name="venue" required maxlength="200" [value]="original()?.venue ?? ''" />
        </div>
        <div class="row">
          <div class="field">
            <label for="event-starts">Starts</label>
            <input id="event-starts" name="starts_at" type="datetime-local" required [value]="localTime(original()?.starts_at)" />
          </div>
          <div class="field">
            <label for="event-ends">Ends</label>
            <input id="event-ends" name="ends_at" type="datetime-local" required [value]="localTime(original()?.ends_at)" />
          </div>
        </div>
        <div class="row">
          <div class="field">
            <label for="event-capacity">Seats</label>
            <input id="event-capacity" name="capacity" type="number" min="1" max="100000" required [value]="original()?.capacity ?? 100" aria-describedby="capacity-hint" />
            @if (original(); as o) {
              <p class="hint" id="capacity-hint">{{ o.capacity - o.seats_available }} already sold: it cannot go below that.</p>
            } @else {
              <p class="hint" id="capacity-hint">How many people can come.</p>
            }
          </div>
          <div class="field">
            <label for="event-price">Price per seat</label>
            <input id="event-price" name="price" type="number" min="0" step="0.01" required [value]="priceValue()" aria-describedby="price-hint" />
            <p class="hint" id="price-hint">0 makes the event free.</p>
          </div>
          <div class="field">
            <label for="event-currency">Currency</label>
            <select id="event-currency" name="currency">
              @for (c of currencies; track c) {
                <option [value]="c" [selected]="c === (original()?.currency ?? 'EUR')">{{ c }}</option>
              }
            </select>
          </div>
        </div>
        <div #failure class="error" role="alert" tabindex="-1" [hidden]="!error()">{{ error() }}</div>
        <p class="actions">
          <button type="submit" [disabled]="busy()">{{ busy() ? 'Saving…' : id() ? 'Save changes' : 'Publish event' }}</button>
          <a routerLink="/organizer">Back to my events</a>
        </p>
      </form>
    }
  `,
})
export class EventForm {
  readonly id = input<string | undefined>();
  private readonly api = inject(Api);
  private readonly router = inject(Router);
  private readonly notice = inject(Notice);
  private readonly failure = viewChild<ElementRef<HTMLElement>>('failure');
  protected readonly currencies = ['EUR', 'GBP', 'USD', 'GHS', 'NGN', 'KES', 'ZAR'];
  protected readonly original = signal<EventItem | null>(null);
  protected readonly loadError = signal('');
  protected readonly error = signal('');
  protected readonly busy = signal(false);

  constructor() {
    effect(() => {
      const id = this.id();
      if (id) void this.load(id);
    });
  }

  protected localTime(iso: string | undefined): string {
    return iso ? toLocalInput(iso) : '';
  }

  protected priceValue(): string {
    const o = this.original();
    return o ? (o.price_cents / 100).toFixed(2) : '10.00';
  }

  protected async submit(event: Event): Promise<void> {
    event.preventDefault();
    const fields = read(new FormData(event.target as HTMLFormElement));
    const problem = check(fields);
    if (problem) return this.fail(problem);
    this.busy.set(true);
    this.error.set('');
    try {
      const original = this.original();
      if (original) {
        const changes = changed(original, fields);
        if (Object.keys(changes).length > 0) {
          await this.api.patch(`/api/events/${encodeURIComponent(original.id)}`, changes);
        }
        this.notice.show(`Saved your changes to ${String(fields['title'])}.`);
      } else {
        const created = await this.api.post<EventItem>('/api/events/', fields);
        this.notice.show(`${created.title} is published.`);
      }
      await this.router.navigateByUrl('/organizer');
    } catch (error) {
      this.fail(describeError(error, 'event'));
    } finally {
      this.busy.set(false);
    }
  }

  private fail(message: string): void {
    this.error.set(message);
    setTimeout(() => this.failure()?.nativeElement.focus(), 0);
  }

  private async load(id: string): Promise<void> {
    try {
      this.original.set(await this.api.get<EventItem>(`/api/events/${encodeURIComponent(id)}`));
    } catch (error) {
      this.loadError.set(
        error instanceof ApiError && error.status === 404 ? 'This event does not exist.' : describeError(error),
      );
    }
  }
}

function read(data: FormData): EventFields {
  const text = (name: string) => String(data.get(name) ?? '').trim();
  const time = (name: string) => (text(name) ? new Date(text(name)).toISOString() : '');
  return {
    title: text('title'),
    description: text('description'),
    venue: text('venue'),
    starts_at: time('starts_at'),
    ends_at: time('ends_at'),
    capacity: Number(text('capacity')),
    price_cents: Math.round(Number(text('price')) * 100),
    currency: text('currency') || 'EUR',
  };
}

function check(fields: EventFields): string | null {
  if (!fields['starts_at'] || !fields['ends_at']) return 'Enter when the event starts and ends.';
  if (String(fields['ends_at']) <= String(fields['starts_at'])) return 'The event must end after it starts.';
  if (!Number.isFinite(fields['price_cents']) || Number(fields['price_cents']) < 0) return 'Enter a price of 0 or more.';
  return null;
}

function changed(original: EventItem, fields: EventFields): EventFields {
  const result: EventFields = {};
  for (const [key, value] of Object.entries(fields)) {
    const before = (original as unknown as Record<string, unknown>)[key];
    const same =
      key === 'starts_at' || key === 'ends_at'
        ? new Date(String(before)).getTime() === new Date(String(value)).getTime()
        : before === value;
    if (!same) result[key] = value;
  }
  return result;
}
