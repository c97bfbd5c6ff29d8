/** Builds the adapter for a stored connection; the one place that knows every provider. */
import type { Clock } from '../kernel/clock.js';
import { AccredibleAdapter } from './accredible/adapter.js';
import type { AccredibleConnectionSettings } from './accredible/config.js';
import { CredlyAdapter } from './credly/adapter.js';
import type { CredlyConnectionSettings } from './credly/config.js';

export type ProviderConnectionSettings =
  | ({ provider: 'credly' } & CredlyConnectionSettings)
  | ({ provider: 'accredible' } & AccredibleConnectionSettings);

export function createProviderAdapter(settings: ProviderConnectionSettings, options: { clock?: Clock } = {}): CredlyAdapter | AccredibleAdapter {
  return settings.provider === 'credly' ? new CredlyAdapter(settings, options) : new AccredibleAdapter(settings, options);
}
