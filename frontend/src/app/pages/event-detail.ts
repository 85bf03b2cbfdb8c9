import { Component, effect, inject, input, signal } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { RouterLink } from '@angular/router';

import { Api, ApiError } from '../core/api';
import { dateRange, plural, price } from '../core/format';
import { describeError } from '../core/messages';
import { EventItem } from '../core/models';
import { Session } from '../core/session';

/** One event: everything about it, and the way to book it. */
@Component({
  selector: 'app-event-detail',
  imports: [RouterLink],
  template: `
    @if (event(); as e) {
      <article class="event-page">
        <h1>{{ e.title }}</h1>
        @if (e.status === 'cancelled') {
          <p class="error" role="alert">This event has been cancelled. Bookings were refunded.</p>
        }
        <dl class="facts-list">
          <div><dt>When</dt><dd>{{ when(e) }}</dd></div>
          <div><dt>Where</dt><dd>{{ e.venue }}</dd></div>
          <div><dt>Price</dt><dd>{{ priceOf(e) }}{{ e.price_cents > 0 ? ' per seat' : '' }}</dd></div>
          <div><dt>Seats left</dt><dd data-testid="seats-left">{{ seatsOf(e) }}</dd></div>
          <div><dt>Organizer</dt><dd>{{ e.organizer_name || 'Event Planner organizer' }}</dd></div>
        </dl>
        @if (e.description) {
          <h2>About this event</h2>
          <p class="description">{{ e.description }}</p>
        }
        <div class="book-box">
          @if (e.status === 'cancelled') {
            <p>Booking is closed.</p>
          } @else if (e.seats_available === 0) {
            <p>This event is sold out.</p>
          } @else if (isOwn(e)) {
            <p>This is your event. <a [routerLink]="['/organizer/events', e.id, 'edit']">Edit it</a></p>
          } @else if (session.signedIn()) {
            <a class="button" [routerLink]="['/events', e.id, 'book']">Book seats</a>
          } @else {
            <p>
              <a class="button" routerLink="/signin" [queryParams]="{ next: '/events/' + e.id + '/book' }">Sign in to book</a>
              <span class="or">or <a routerLink="/signup" [queryParams]="{ next: '/events/' + e.id + '/book' }">create an account</a></span>
            </p>
          }
        </div>
        <p><a routerLink="/">Back to all events</a></p>
      </article>
    } @else if (missing()) {
      <h1>Event not found</h1>
      <p>This event does not exist or is no longer listed.</p>
      <p><a routerLink="/">See all events</a></p>
    } @else if (error()) {
      <h1>Event</h1>
      <p class="error" role="alert">{{ error() }}</p>
    } @else {
      <h1>Event</h1>
      <p class="loading" role="status">Loading the event…</p>
    }
  `,
})
export class EventDetail {
  readonly id = input.required<string>();
  private readonly api = inject(Api);
  private readonly title = inject(Title);
  protected readonly session = inject(Session);
  protected readonly event = signal<EventItem | null>(null);
  protected readonly missing = signal(false);
  protected readonly error = signal('');

  constructor() {
    effect(() => void this.load(this.id()));
  }

  protected when(e: EventItem): string {
    return dateRange(e.starts_at, e.ends_at);
  }

  protected priceOf(e: EventItem): string {
    return price(e.price_cents, e.currency);
  }

  protected seatsOf(e: EventItem): string {
    return e.seats_available === 0 ? 'Sold out' : `${plural(e.seats_available, 'seat')} of ${e.capacity}`;
  }

  protected isOwn(e: EventItem): boolean {
    return this.session.user()?.id === e.organizer_id;
  }

  private async load(id: string): Promise<void> {
    this.event.set(null);
    this.missing.set(false);
    this.error.set('');
    try {
      const event = await this.api.get<EventItem>(`/api/events/${encodeURIComponent(id)}`, { auth: false });
      this.event.set(event);
      this.title.setTitle(`${event.title} · Event Planner`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) this.missing.set(true);
      else this.error.set(describeError(error));
    }
  }
}
