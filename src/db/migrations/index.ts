import type { Migration } from 'kysely';
import * as foundation from './0001-foundation.js';
import * as issuing from './0002-issuing.js';
import * as rules from './0003-rules.js';
import * as providers from './0004-providers.js';
import * as providerIssuing from './0005-provider-issuing.js';
import * as eventTypes from './0006-event-types.js';
import * as awardNotifications from './0007-award-notifications.js';
import * as learnerEventOrder from './0008-learner-event-order.js';
import * as learnerScopedKeys from './0009-learner-scoped-keys.js';
import * as learnerUpdatesInPlace from './0010-learner-updates-in-place.js';
import * as unconcernedEvents from './0011-unconcerned-events.js';

/**
 * Every migration, in order. Listed statically (not discovered on disk) so the same list works
 * from TypeScript sources in tests and from the compiled build.
 */
export const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-issuing': issuing,
  '0003-rules': rules,
  '0004-providers': providers,
  '0005-provider-issuing': providerIssuing,
  '0006-event-types': eventTypes,
  '0007-award-notifications': awardNotifications,
  '0008-learner-event-order': learnerEventOrder,
  '0009-learner-scoped-keys': learnerScopedKeys,
  '0010-learner-updates-in-place': learnerUpdatesInPlace,
  '0011-unconcerned-events': unconcernedEvents,
};
