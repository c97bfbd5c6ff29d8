import type { ProviderRecipient } from '../adapter.js';

/**
 * Providers want a first and a last name; an award holds one display name, or none. The last
 * word is the last name and the rest the first name. Both providers refuse empty names, so a
 * one-word name fills both, and an award without a name uses the e-mail address's local part.
 */
export function providerRecipient(email: string, name: string | null): ProviderRecipient {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    const local = email.split('@')[0] || email;
    return { email, firstName: local, lastName: local };
  }
  if (words.length === 1) return { email, firstName: words[0]!, lastName: words[0]! };
  return { email, firstName: words.slice(0, -1).join(' '), lastName: words.at(-1)! };
}
