/** Client-side checks of the card form, so mistakes are caught before anything is sent. */

export interface CardCheck {
  /** The digits to send, or null when the card cannot be used. */
  number: string | null;
  problems: Record<string, string>;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Whether `MM/YY` (or `MM/YYYY`) is this month or later. */
export function expiryProblem(value: string, today = new Date()): string | null {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(value);
  if (!match) return 'Enter the expiry date as MM/YY, for example 12/30.';
  const month = Number(match[1]);
  const year = match[2].length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  if (month < 1 || month > 12) return 'The month of the expiry date must be between 01 and 12.';
  if (year * 12 + month < today.getFullYear() * 12 + today.getMonth() + 1) {
    return 'This card has expired. Use another card.';
  }
  return null;
}

export function checkCard(number: string, expiry: string, cvc: string, today = new Date()): CardCheck {
  const problems: Record<string, string> = {};
  const digits = number.replace(/[\s-]/g, '');
  if (!digits) problems['number'] = 'Enter the card number.';
  else if (!/^\d{12,19}$/.test(digits)) problems['number'] = 'A card number has 12 to 19 digits.';
  else if (!luhnValid(digits)) problems['number'] = 'That card number is not valid. Check the digits.';
  const expiryIssue = expiryProblem(expiry, today);
  if (expiryIssue) problems['expiry'] = expiryIssue;
  if (!/^\d{3,4}$/.test(cvc.trim())) problems['cvc'] = 'The security code is the 3 or 4 digits on the back of the card.';
  return { number: Object.keys(problems).length === 0 ? digits : null, problems };
}
