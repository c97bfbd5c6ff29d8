import type { AwardRecord } from '../awards/store.js';
import { publicUrls } from '../catalog/public-urls.js';
import type { BadgeData } from '../events/openedx/producer.js';
import { laurelBadgeOrigin } from '../rules/index.js';

/**
 * The source of the badge events Laurel records about its own awards and revocations. Reserved:
 * events sent to Laurel may not use it, nor claim `template.origin` `laurel`.
 */
export const laurelEventSource = 'laurel';

/** Open edX `UserData.id` is an Avro long: only a learner known by a numeric LMS user id has one. */
export function lmsUserId(externalId: string): number | undefined {
  const id = Number(externalId);
  return /^\d+$/.test(externalId) && Number.isSafeInteger(id) ? id : undefined;
}

/** What a badge event says about the badge class: the version the award was made with. */
export interface BadgeTemplate {
  name: string;
  description: string;
  imageId: string;
}

/**
 * openedx-events `BadgeData` of one of Laurel's awards, as published on the bus and as recorded
 * in the event log: `uuid` the award id, `template.uuid` the badge class id, origin `laurel`.
 */
export function badgeDataOf(options: { award: AwardRecord; userId: number; username: string | null; template: BadgeTemplate; publicUrl: string }): BadgeData {
  const { award, template } = options;
  return {
    uuid: award.id,
    user: { id: options.userId, is_active: true, pii: { username: options.username ?? '', email: award.recipient.email, name: award.recipient.name ?? '' } },
    template: {
      uuid: award.badgeClassId,
      origin: laurelBadgeOrigin,
      name: template.name,
      description: template.description,
      image_url: publicUrls(options.publicUrl).image(template.imageId),
    },
  };
}
