import { Routes } from '@angular/router';

import { organizer, signedIn } from './core/guards';
import { EventsList } from './pages/events-list';

export const routes: Routes = [
  { path: '', component: EventsList, title: 'Events · Event Planner' },
  { path: 'events', redirectTo: '', pathMatch: 'full' },
  {
    path: 'events/:id',
    loadComponent: () => import('./pages/event-detail').then((m) => m.EventDetail),
    title: 'Event · Event Planner',
  },
  {
    path: 'events/:id/book',
    canActivate: [signedIn],
    loadComponent: () => import('./pages/checkout').then((m) => m.Checkout),
    title: 'Book · Event Planner',
  },
  {
    path: 'signin',
    loadComponent: () => import('./pages/sign-in').then((m) => m.SignIn),
    title: 'Sign in · Event Planner',
  },
  {
    path: 'signup',
    loadComponent: () => import('./pages/sign-up').then((m) => m.SignUp),
    title: 'Sign up · Event Planner',
  },
  {
    path: 'bookings',
    canActivate: [signedIn],
    loadComponent: () => import('./pages/bookings').then((m) => m.Bookings),
    title: 'My bookings · Event Planner',
  },
  {
    path: 'bookings/:id',
    canActivate: [signedIn],
    loadComponent: () => import('./pages/booking-confirmation').then((m) => m.BookingConfirmation),
    title: 'Your booking · Event Planner',
  },
  {
    path: 'notifications',
    canActivate: [signedIn],
    loadComponent: () => import('./pages/notifications').then((m) => m.Notifications),
    title: 'Notifications · Event Planner',
  },
  {
    path: 'organizer',
    canActivate: [organizer],
    loadComponent: () => import('./pages/organizer-events').then((m) => m.OrganizerEvents),
    title: 'My events · Event Planner',
  },
  {
    path: 'organizer/events/new',
    canActivate: [organizer],
    loadComponent: () => import('./pages/event-form').then((m) => m.EventForm),
    title: 'New event · Event Planner',
  },
  {
    path: 'organizer/events/:id/edit',
    canActivate: [organizer],
    loadComponent: () => import('./pages/event-form').then((m) => m.EventForm),
    title: 'Edit event · Event Planner',
  },
  {
    path: '**',
    loadComponent: () => import('./pages/not-found').then((m) => m.NotFound),
    title: 'Page not found · Event Planner',
  },
];
