/** Money and dates in the reader's own locale. */

export function money(cents: number | null | undefined, currency: string | null | undefined): string {
  if (cents === null || cents === undefined || !currency) return '';
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

export function price(cents: number, currency: string): string {
  return cents === 0 ? 'Free' : money(cents, currency);
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export function timeOnly(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** "Sat 5 Dec 2026, 19:00 – 22:00", or both dates when it spans days. */
export function dateRange(starts: string, ends: string): string {
  const a = new Date(starts);
  const b = new Date(ends);
  const sameDay = a.toDateString() === b.toDateString();
  return `${dateTime(starts)} – ${sameDay ? timeOnly(ends) : dateTime(ends)}`;
}

/** The value of an `<input type="datetime-local">` for an ISO time. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `YYYY-MM-DD` (a date input) as the ISO instant of that local midnight, plus `days`. */
export function dayStart(value: string, days = 0): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const d = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days);
  return d.toISOString();
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
