import type { JsonObject } from '../../credentials/json.js';
import { buildOb2BadgeClass } from '../../credentials/ob2.js';
import type { PublicUrls } from '../public-urls.js';
import type { BadgeClass, BadgeClassVersion } from './store.js';

/**
 * The OB 2.0 BadgeClass of one version. Its criteria `id` is that version's criteria page, which
 * shows the narrative and links the badge's own criteria URL, so old badges keep their old criteria.
 */
export function ob2BadgeClass(urls: PublicUrls, badgeClass: BadgeClass, version: BadgeClassVersion): JsonObject {
  return buildOb2BadgeClass({
    id: urls.badgeClassVersion(badgeClass.id, version.version),
    issuer: urls.issuer(badgeClass.issuerId),
    name: version.name,
    description: version.description,
    image: urls.image(version.imageId),
    criteria: { id: urls.criteria(badgeClass.id, version.version), narrative: version.criteria.narrative ?? undefined },
    alignments: version.alignments,
    tags: version.tags,
  });
}
