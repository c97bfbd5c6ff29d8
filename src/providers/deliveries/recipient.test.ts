import { describe, expect, it } from 'vitest';
import { providerRecipient } from './recipient.js';

describe('providerRecipient', () => {
  it('takes the last word as the last name', () => {
    expect(providerRecipient('ada@example.org', 'Augusta Ada  Lovelace')).toEqual({ email: 'ada@example.org', firstName: 'Augusta Ada', lastName: 'Lovelace' });
  });

  it('fills both names from a one-word name, and from the address when there is no name', () => {
    expect(providerRecipient('ada@example.org', 'Ada')).toMatchObject({ firstName: 'Ada', lastName: 'Ada' });
    expect(providerRecipient('ada.l@example.org', null)).toMatchObject({ firstName: 'ada.l', lastName: 'ada.l' });
    expect(providerRecipient('ada.l@example.org', '   ')).toMatchObject({ firstName: 'ada.l', lastName: 'ada.l' });
  });
});
