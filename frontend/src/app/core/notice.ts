import { Injectable, signal } from '@angular/core';

/** A one-line message that survives one navigation ("Signed out.", "Event cancelled."). */
@Injectable({ providedIn: 'root' })
export class Notice {
  readonly text = signal('');
  private keep = false;

  show(text: string): void {
    this.text.set(text);
    this.keep = true;
  }

  /** A message about this page: it goes at the next navigation. */
  say(text: string): void {
    this.text.set(text);
    this.keep = false;
  }

  /** Called after each navigation: a message is shown on the page it was meant for, then goes. */
  navigated(): void {
    if (this.keep) this.keep = false;
    else this.text.set('');
  }
}
