import { createServices } from '../../src/app.js';
import type { PenaltyInput, RequirementInput } from '../../src/automation/rule-set-service.js';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/database.js';
import type { MasterSecret } from '../../src/kernel/secrets.js';
import { cliContext } from '../../src/tenancy/initialize.js';
import { makePng } from './credentials-fixtures.js';

export interface RuleBadge {
  name: string;
  requirements: RequirementInput[];
  /** Penalties, given the ids the requirements received (in order). */
  penalties?: (requirementIds: string[]) => PenaltyInput[];
  reawardAfterRevoke?: boolean;
}

/**
 * An organisation with the given id (as LAUREL_EVENT_BUS_ORGANIZATION names it), one issuer and
 * an active rule-awarded badge class per definition, made through Laurel's services. Returns the
 * badge class ids in order.
 */
export async function seedRuleBadges(db: Db, secret: MasterSecret, organizationId: string, badges: readonly RuleBadge[]): Promise<string[]> {
  const services = createServices({ config: loadConfig({ LAUREL_PUBLIC_URL: 'https://badges.example.edu', LAUREL_LOG_LEVEL: 'silent' }), db, secret });
  try {
    await db.insertInto('organizations').values({ id: organizationId, name: `Bus ${organizationId}` }).execute();
    const context = cliContext(organizationId);
    const image = await services.catalog.images.upload(context, { bytes: makePng(1024), declaredType: 'image/png' });
    const issuer = await services.catalog.issuers.create(context, { name: 'Bus University', url: 'https://bus.example.edu', email: null, description: null, imageId: null });
    const ids: string[] = [];
    for (const badge of badges) {
      const { badgeClass } = await services.catalog.badgeClasses.create(context, {
        issuerId: issuer.issuer.id,
        allowMultiple: false,
        content: {
          name: badge.name,
          description: `Awarded by rules: ${badge.name}.`,
          imageId: image.id,
          criteria: { narrative: 'Meet the requirements.', url: null },
          achievementType: 'Badge',
          alignments: [],
          tags: [],
          language: 'en',
          expiry: { kind: 'never' },
        },
      });
      const { ruleSets } = services.automation;
      const requirementIds: string[] = [];
      for (const requirement of badge.requirements) requirementIds.push((await ruleSets.addRequirement(context, badgeClass.id, requirement)).id);
      for (const penalty of badge.penalties?.(requirementIds) ?? []) await ruleSets.addPenalty(context, badgeClass.id, penalty);
      if (badge.reawardAfterRevoke) await ruleSets.setReawardAfterRevoke(context, badgeClass.id, true);
      await ruleSets.setActive(context, badgeClass.id, true);
      ids.push(badgeClass.id);
    }
    return ids;
  } finally {
    await services.issuing.close();
  }
}
