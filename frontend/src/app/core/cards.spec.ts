import { checkCard, expiryProblem, luhnValid } from './cards';

const today = new Date(2026, 11, 4);

describe('the card form checks', () => {
  it('accepts both test cards, spaced as printed', () => {
    expect(checkCard('4242 4242 4242 4242', '12/30', '123', today).number).toBe('4242424242424242');
    expect(checkCard('4000 0000 0000 0002', '01/27', '1234', today).number).toBe('4000000000000002');
  });

  it('refuses a mistyped number with a reason', () => {
    const checked = checkCard('4242 4242 4242 4241', '12/30', '123', today);
    expect(checked.number).toBeNull();
    expect(checked.problems['number']).toContain('not valid');
    expect(luhnValid('4242424242424241')).toBe(false);
  });

  it('refuses an expired or malformed expiry date and a bad security code', () => {
    expect(expiryProblem('11/26', today)).toContain('expired');
    expect(expiryProblem('12/26', today)).toBeNull();
    expect(expiryProblem('13/30', today)).toContain('between 01 and 12');
    expect(expiryProblem('1230', today)).toContain('MM/YY');
    expect(checkCard('4242424242424242', '12/30', '12', today).problems['cvc']).toBeTruthy();
  });
});
