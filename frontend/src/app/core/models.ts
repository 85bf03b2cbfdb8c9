/** The shapes of the platform's API (docs/services.md), as far as the web app reads them. */

export type Role = 'attendee' | 'organizer';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface EventItem {
  id: string;
  title: string;
  description: string;
  venue: string;
  starts_at: string;
  ends_at: string;
  capacity: number;
  seats_available: number;
  seats_sold?: number;
  price_cents: number;
  currency: string;
  organizer_id: string;
  organizer_name?: string;
  status: 'published' | 'cancelled';
}

export interface EventPage {
  items: EventItem[];
  next_cursor: string | null;
  total?: number;
}

export interface OrganizerEvent extends EventItem {
  seats_sold: number;
  revenue_cents: number;
}

export interface OrganizerEventPage {
  items: OrganizerEvent[];
  total: number;
  limit: number;
  offset: number;
}

export type BookingStatus = 'pending' | 'confirmed' | 'payment_failed' | 'cancelled';

export interface Booking {
  id: string;
  event_id: string;
  seats: number;
  amount_cents: number | null;
  currency: string | null;
  status: BookingStatus;
  created_at: string;
  updated_at: string;
  event_title?: string | null;
  event_starts_at?: string | null;
  failure_reason?: string | null;
  cancel_reason?: 'user' | 'event_cancelled' | null;
  refund?: Refund | null;
}

export interface Refund {
  amount_cents: number;
  currency: string | null;
  /** pending until the payment service has returned the money */
  status: 'pending' | 'refunded';
}

export interface AppNotification {
  id: string;
  kind: string;
  subject: string;
  channel: string;
  sent_at: string;
  /** when the user marked it read; null: unread */
  read_at: string | null;
}
