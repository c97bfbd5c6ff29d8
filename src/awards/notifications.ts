import type { Db } from '../db/database.js';
import { PermanentJobError } from '../jobs/errors.js';
import { enqueueMany } from '../jobs/queue.js';
import type { JobHandler } from '../jobs/worker.js';
import type { Clock } from '../kernel/clock.js';
import { MailRejectedError, type Mailer } from '../mail/mailer.js';
import { awardUrls, bakedImageUrl } from './documents.js';
import { awardEmail } from './notification-email.js';
import type { IssuableBadgeClass, IssuingCatalog } from './ports.js';
import { findAward, markAwardNotified, type AwardRecord } from './store.js';

/** Job kind that e-mails a recipient about their new award. */
export const awardNotifyJob = 'award.notify';

interface NotifyPayload {
  awardId: string;
}

/**
 * Queues the e-mail of each new award, in the transaction that stores the awards (outbox).
 * Awards without a credential of Laurel's are left out: their provider (Credly, Accredible)
 * e-mails the recipient itself, with links Laurel does not have.
 */
export async function enqueueNotifications(tx: Db, awards: readonly AwardRecord[]): Promise<void> {
  await enqueueMany(
    tx,
    awards.filter((award) => award.credential).map((award) => ({ kind: awardNotifyJob, payload: { awardId: award.id } satisfies NotifyPayload, organizationId: award.organizationId })),
  );
}

export interface AwardNotifierOptions {
  db: Db;
  clock: Clock;
  publicUrl: string;
  catalog: Pick<IssuingCatalog, 'badgeClassVersion' | 'imageTypesOfAwards'>;
  /** null while e-mail is off. */
  mailer: Mailer | null;
}

/** Runs the `award.notify` job: e-mails the recipient once and records when. */
export class AwardNotifier {
  constructor(private readonly options: AwardNotifierOptions) {}

  readonly handle: JobHandler = async (job, ctx) => {
    const { db, clock, catalog, mailer } = this.options;
    // Queued while e-mail was on; the operator can turn it back on and retry the job.
    if (!mailer) throw new PermanentJobError('E-mail is off on this server (LAUREL_SMTP_URL is not set).');
    const { awardId } = job.payload as NotifyPayload;
    const award = job.organizationId ? await findAward(db, job.organizationId, awardId) : undefined;
    // Already sent by an earlier run, revoked before it went out, or gone: nothing to tell.
    if (!award?.credential || award.notifiedAt || award.status === 'revoked') return;
    const badgeClass = await catalog.badgeClassVersion(award.badgeClassId, award.badgeClassVersion);
    if (!badgeClass) throw new PermanentJobError(`Award ${award.id} has lost its badge class version.`);
    try {
      await mailer.send(await this.#email(award, badgeClass));
    } catch (error) {
      if (error instanceof MailRejectedError) throw new PermanentJobError(error.message, { cause: error });
      throw error;
    }
    await ctx.transaction((tx) => markAwardNotified(tx, award.id, clock.now()));
  };

  async #email(award: AwardRecord, { version, issuer }: IssuableBadgeClass) {
    const { publicUrl, catalog } = this.options;
    const urls = awardUrls(publicUrl, award.id);
    const imageType = (await catalog.imageTypesOfAwards([award.id])).get(award.id) ?? 'image/png';
    const content = awardEmail({
      recipientName: award.recipient.name,
      badge: { name: version.name, description: version.description },
      issuer: { name: issuer.name, url: issuer.url },
      expiresOn: award.expiresOn,
      links: { image: bakedImageUrl(urls, imageType), credential: urls.credential, assertion: urls.assertion },
    });
    return {
      ...content,
      to: { name: award.recipient.name, address: award.recipient.email },
      replyTo: issuer.email ?? undefined,
      // The same id every time: a copy sent again after a crash reads as the same message.
      messageId: `<${award.id}@${new URL(publicUrl).hostname}>`,
    };
  }
}
