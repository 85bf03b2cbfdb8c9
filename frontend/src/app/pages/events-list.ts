import { Component, OnDestroy, inject, signal } from '@angular/core';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { Subscription } from 'rxjs';

import { Api } from '../core/api';
import { dateRange, dayStart, plural, price } from '../core/format';
import { describeError } from '../core/messages';
import { EventItem, EventPage } from '../core/models';

const PAGE_SIZE = 12;

/** The home page: published events, soonest first, searchable and filtered by dates. */
@Component({
  selector: 'app-events-list',
  imports: [RouterLink],
  template: `
    <h1>Upcoming events</h1>
    <form class="search" role="search" (submit)="search($event)" aria-label="Find events">
      <div class="field grow">
        <label for="search-q">Search by title or venue</label>
        <input id="search-q" name="q" type="search" maxlength="200" [value]="q()" autocomplete="off" />
      </div>
      <div class="field">
        <label for="search-from">From</label>
        <input id="search-from" name="from" type="date" [value]="from()" />
      </div>
      <div class="field">
        <label for="search-to">To</label>
        <input id="search-to" name="to" type="date" [value]="to()" />
      </div>
      <div class="actions">
        <button type="submit">Search</button>
        @if (filtered()) {
          <button type="button" class="secondary" (click)="clear()">Clear</button>
        }
      </div>
    </form>

    @if (error()) {
      <p class="error" role="alert">{{ error() }}</p>
    }
    @if (loading() && items().length === 0) {
      <p class="loading" role="status">Loading events…</p>
    } @else if (!error() && items().length === 0) {
      <div class="empty" role="status">
        @if (filtered()) {
          <p>No events match your search. Try other words or dates.</p>
        } @else {
          <p>No upcoming events yet. Check back soon.</p>
        }
      </div>
    } @else {
      <p class="summary" role="status">{{ summary() }}</p>
      <ul class="cards" aria-label="Events">
        @for (item of items(); track item.id) {
          <li class="card event-card" [attr.data-event-id]="item.id">
            <h2><a [routerLink]="['/events', item.id]">{{ item.title }}</a></h2>
            <p class="meta">{{ when(item) }}</p>
            <p class="meta">{{ item.venue }}</p>
            <p class="facts">
              <span class="price">{{ priceOf(item) }}</span>
              <span class="seats" [class.sold-out]="item.seats_available === 0">{{ seatsOf(item) }}</span>
            </p>
          </li>
        }
      </ul>
      @if (next()) {
        <p class="more">
          <button type="button" class="secondary" (click)="more()" [disabled]="loading()">
            {{ loading() ? 'Loading…' : 'Show more events' }}
          </button>
        </p>
      }
    }
  `,
})
export class EventsList implements OnDestroy {
  private readonly api = inject(Api);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly subscription: Subscription;
  private generation = 0;

  protected readonly items = signal<EventItem[]>([]);
  protected readonly total = signal<number | null>(null);
  protected readonly next = signal<string | null>(null);
  protected readonly loading = signal(true);
  protected readonly error = signal('');
  protected readonly q = signal('');
  protected readonly from = signal('');
  protected readonly to = signal('');

  constructor() {
    this.subscription = this.route.queryParamMap.subscribe((params) => {
      this.q.set(params.get('q') ?? '');
      this.from.set(params.get('from') ?? '');
      this.to.set(params.get('to') ?? '');
      void this.load(true);
    });
  }

  ngOnDestroy(): void {
    this.subscription.unsubscribe();
  }

  protected filtered(): boolean {
    return Boolean(this.q() || this.from() || this.to());
  }

  protected search(event: Event): void {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const value = (name: string) => String(data.get(name) ?? '').trim() || null;
    void this.router.navigate([], {
      queryParams: { q: value('q'), from: value('from'), to: value('to') },
    });
  }

  protected clear(): void {
    void this.router.navigate([], { queryParams: {} });
  }

  protected more(): void {
    void this.load(false);
  }

  protected when(item: EventItem): string {
    return dateRange(item.starts_at, item.ends_at);
  }

  protected priceOf(item: EventItem): string {
    return price(item.price_cents, item.currency);
  }

  protected seatsOf(item: EventItem): string {
    return item.seats_available === 0 ? 'Sold out' : `${plural(item.seats_available, 'seat')} left`;
  }

  protected summary(): string {
    const total = this.total();
    const shown = this.items().length;
    if (total === null) return this.next() ? `Showing the first ${shown} events` : plural(shown, 'event');
    return total === shown ? plural(shown, 'event') : `Showing ${shown} of ${plural(total, 'event')}`;
  }

  private async load(fresh: boolean): Promise<void> {
    const generation = ++this.generation;
    this.loading.set(true);
    this.error.set('');
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this.q()) params.set('q', this.q());
    const from = dayStart(this.from());
    const to = dayStart(this.to(), 1);
    if (from && new Date(from) > new Date()) params.set('from', from);
    if (to) params.set('to', to);
    const cursor = fresh ? null : this.next();
    if (cursor) params.set('cursor', cursor);
    try {
      const page = await this.api.get<EventPage>(`/api/events/?${params}`, { auth: false });
      if (generation !== this.generation) return;
      this.items.set(fresh ? page.items : [...this.items(), ...page.items]);
      this.next.set(page.next_cursor);
      this.total.set(page.total ?? null);
    } catch (error) {
      if (generation !== this.generation) return;
      if (fresh) this.items.set([]);
      this.error.set(describeError(error));
    } finally {
      if (generation === this.generation) this.loading.set(false);
    }
  }
}
