import { randomSalt } from '../credentials/recipient.js';
import type { OperationContext } from '../auth/principal.js';
import { recordAudit } from '../audit/store.js';
import { inTransaction, type Db } from '../db/database.js';
import { enqueue } from '../jobs/queue.js';
import type { Clock } from '../kernel/clock.js';
import { AppError, notFound } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { expiryFor, openBadgeCredential } from './documents.js';
import { enqueueNotifications } from './notifications.js';
import type { AwardListener, CredentialSigner, IssuableBadgeClass, IssuingCatalog } from './ports.js';
import { setStatusBit, StatusSlotReserve } from './status-lists.js';
import { findAward, insertAwards, liveAwardsFor, releaseExpiredAwards, listAwards, markAwardRevoked, type AwardQuery, type AwardRecord, type EvidenceItem, type NewAward } from './store.js';

export interface AwardRequest {
  recipient: { email: string; name?: string; did?: string; externalId?: string };
  evidence?: EvidenceItem[];
  narrative?: string;
  issuedOn?: Date;
  expiresOn?: Date;
  /** E-mail the recipient once the award is made (not when they already hold it). */
  notify?: boolean;
}

export type IssueOutcome = { outcome: 'awarded'; award: AwardRecord } | { outcome: 'already_held'; award: AwardRecord };

/** Job kind produced by every revocation: re-publishes the status list (and later notifies). */
export const awardRevokedJob = 'award.revoked';

export interface AwardServiceOptions {
  db: Db;
  clock: Clock;
  publicUrl: string;
  catalog: IssuingCatalog;
  signer: CredentialSigner;
  listeners?: readonly AwardListener[];
  /** Whether award e-mails can be sent (SMTP is configured). */
  canNotify?: boolean;
}

/** An award's status as everyone reads it: an award past its expiry date reads as expired. */
export function effectiveStatus(award: Pick<AwardRecord, 'status' | 'expiresOn'>, now: Date): 'awarded' | 'revoked' | 'expired' {
  if (award.status === 'awarded' && award.expiresOn && award.expiresOn <= now) return 'expired';
  return award.status;
}

/**
 * When an award starts and ends: the request's dates, or now and the badge class's expiry policy.
 * An award that would end before it starts (a fixed expiry date already past, say) is invalid.
 */
export function validityOf(request: Pick<AwardRequest, 'issuedOn' | 'expiresOn'>, badgeClass: IssuableBadgeClass, now: Date): { issuedOn: Date; expiresOn: Date | null } | { invalid: string } {
  const issuedOn = request.issuedOn ?? now;
  const expiresOn = request.expiresOn ?? expiryFor(badgeClass.version.expiry, issuedOn);
  if (expiresOn && expiresOn <= issuedOn) {
    return { invalid: request.expiresOn ? 'expiresOn must be after issuedOn' : `the badge class expires every award on ${expiresOn.toISOString()}, which is not after issuedOn` };
  }
  return { issuedOn, expiresOn };
}

/** Issuing, reading and revoking awards: the unit of truth every credential form hangs off. */
export class AwardService {
  readonly #slots: StatusSlotReserve;

  constructor(private readonly options: AwardServiceOptions) {
    this.#slots = new StatusSlotReserve(options.db);
  }

  /**
   * Issues a badge class to several recipients at once (one recipient is a batch of one). Each
   * award gets a status-list slot and a signed OB 3.0 credential, and is stored with its audit
   * row in one transaction. On a single-holding badge class a recipient who already holds it
   * gets the existing award back instead of a duplicate.
   */
  async issue(
    context: OperationContext,
    badgeClassId: string,
    requests: readonly AwardRequest[],
    /** Runs inside the transaction that stores the awards (bulk issue records row outcomes there). */
    alongside?: (tx: Db, outcomes: IssueOutcome[]) => Promise<void>,
  ): Promise<IssueOutcome[]> {
    const { db, clock, catalog } = this.options;
    if (requests.some((request) => request.notify)) this.requireEmail();
    const badgeClass = await catalog.badgeClassForIssuing(context.organizationId, badgeClassId);
    const now = clock.now();
    const exclusive = !badgeClass.badgeClass.allowMultiple;
    const emails = requests.map((r) => r.recipient.email);
    const held = new Map<string, AwardRecord>();
    const remember = (awards: AwardRecord[]) => awards.forEach((award) => held.set(award.recipient.email.toLowerCase(), award));
    if (exclusive) remember(await liveAwardsFor(db, badgeClass.badgeClass.id, emails, now));
    // Within one batch the first row for an address wins; later ones become "already held".
    const fresh = new Map<number, NewAward>();
    const claimed = new Set<string>();
    const wanted: { index: number; request: AwardRequest }[] = [];
    requests.forEach((request, index) => {
      const key = request.recipient.email.toLowerCase();
      if (exclusive && (held.has(key) || claimed.has(key))) return;
      claimed.add(key);
      wanted.push({ index, request });
    });
    const drafts = await this.#signedDrafts(context, badgeClass, wanted.map((w) => w.request), now, exclusive);
    wanted.forEach((w, position) => fresh.set(w.index, drafts[position]!));

    return inTransaction(db, async (tx) => {
      // The credentials were signed outside the transaction; make sure they still describe the
      // badge class as it is now (an edit in between would have changed what they claim).
      const locked = await catalog.badgeClassForIssuing(context.organizationId, badgeClassId, tx);
      if (drafts.length > 0 && !catalog.sameAchievement(locked, badgeClass)) {
        throw new AppError('conflict', 'The badge class changed while issuing; send the request again.');
      }
      if (exclusive) await releaseExpiredAwards(tx, badgeClass.badgeClass.id, drafts.map((draft) => draft.recipient.email), now);
      const inserted = await insertAwards(tx, drafts);
      for (const draft of drafts) {
        if (!inserted.has(draft.id)) continue;
        await recordAudit(tx, context, { action: 'award.issued', target: { type: 'award', id: draft.id }, details: { badgeClassId: draft.badgeClassId, version: draft.badgeClassVersion } });
      }
      // A concurrent issue of the same single-holding badge won the race: use what it stored.
      if (inserted.size < drafts.length) remember(await liveAwardsFor(tx, badgeClass.badgeClass.id, emails, now));
      const outcomes = requests.map((request, index): IssueOutcome => {
        const draft = fresh.get(index);
        if (draft && inserted.has(draft.id)) {
          return { outcome: 'awarded', award: { ...draft, status: 'awarded', revokedAt: null, revocationReason: null, notifiedAt: null, createdAt: now } };
        }
        const existing = held.get(request.recipient.email.toLowerCase());
        if (!existing) throw new Error(`award for row ${index} neither created nor found`);
        return { outcome: 'already_held', award: existing };
      });
      const made = outcomes.filter((o) => o.outcome === 'awarded').map((o) => o.award);
      if (made.length > 0) for (const listener of this.options.listeners ?? []) await listener.awarded(tx, made, locked);
      await enqueueNotifications(tx, outcomes.filter((outcome, index) => outcome.outcome === 'awarded' && requests[index]!.notify).map((outcome) => outcome.award));
      await alongside?.(tx, outcomes);
      return outcomes;
    });
  }

  /** Refuses `notify` while e-mail is off: an e-mail that cannot be sent is an error, not silently dropped. */
  requireEmail(field = 'body/notify'): void {
    if (this.options.canNotify) return;
    const detail = 'This server does not send e-mail (its operator has not set LAUREL_SMTP_URL); send the request without notify.';
    throw new AppError('unprocessable', detail, { errors: [{ field, message: 'e-mail is off on this server' }] });
  }

  /** New awards with their status-list slots and signed credentials, ready to store. */
  async #signedDrafts(context: OperationContext, badgeClass: IssuableBadgeClass, requests: AwardRequest[], now: Date, exclusive: boolean): Promise<NewAward[]> {
    if (requests.length === 0) return [];
    const { catalog, signer, publicUrl } = this.options;
    // Validity is settled (and checked) before any slot is reserved or anything signed.
    const validity = requests.map((request) => {
      const settled = validityOf(request, badgeClass, now);
      if ('invalid' in settled) throw new AppError('unprocessable', `${settled.invalid}.`, { errors: [{ field: 'body/expiresOn', message: settled.invalid }] });
      return settled;
    });
    // A badge class delivered by a provider alone gets no credential of Laurel's.
    const ownCredential = badgeClass.badgeClass.issuingBackend?.ownCredential ?? true;
    const slots = await this.#slots.take(badgeClass.issuer.id, requests.length);
    const drafts = requests.map((request, position): NewAward => {
      const { issuedOn, expiresOn } = validity[position]!;
      const slot = slots[position]!;
      return {
        id: newId('award'),
        organizationId: context.organizationId,
        badgeClassId: badgeClass.badgeClass.id,
        badgeClassVersion: badgeClass.version.version,
        issuerId: badgeClass.issuer.id,
        recipient: { email: request.recipient.email.trim(), name: request.recipient.name ?? null, did: request.recipient.did ?? null, externalId: request.recipient.externalId ?? null },
        recipientSalt: randomSalt(),
        evidence: request.evidence ?? [],
        narrative: request.narrative ?? null,
        issuedOn,
        expiresOn,
        statusListId: slot.statusListId,
        statusIndex: slot.index,
        credential: null,
        exclusive,
      };
    });
    if (!ownCredential) return drafts;
    const signing = await catalog.signing(badgeClass.issuer.id);
    const signed = await Promise.all(drafts.map((draft) => signer.sign(openBadgeCredential(publicUrl, draft, badgeClass, signing.profile), signing.dataIntegrity, now)));
    drafts.forEach((draft, position) => (draft.credential = signed[position]!));
    return drafts;
  }

  /** Why each request could not be issued now (by position), for callers that reject rows one by one. */
  async invalidRequests(context: OperationContext, badgeClassId: string, requests: readonly AwardRequest[]): Promise<Map<number, string>> {
    const badgeClass = await this.options.catalog.badgeClassForIssuing(context.organizationId, badgeClassId);
    const now = this.options.clock.now();
    const invalid = new Map<number, string>();
    requests.forEach((request, position) => {
      const settled = validityOf(request, badgeClass, now);
      if ('invalid' in settled) invalid.set(position, settled.invalid);
    });
    return invalid;
  }

  async get(context: OperationContext, id: string): Promise<AwardRecord> {
    const award = await findAward(this.options.db, context.organizationId, id);
    if (!award) throw notFound('Award');
    return award;
  }

  list(context: OperationContext, query: AwardQuery) {
    return listAwards(this.options.db, context.organizationId, query, this.options.clock.now());
  }

  /**
   * Revokes an award: flips its status-list bit, records the transition and queues what follows
   * (re-publishing the list now; notifications and providers later) in the same transaction.
   * Revoking a revoked award changes nothing.
   */
  async revoke(
    context: OperationContext,
    id: string,
    reason: string,
    /** Runs inside the revoking transaction, also when the award was already revoked (rules record their decision there). */
    alongside?: (tx: Db, award: AwardRecord) => Promise<void>,
  ): Promise<AwardRecord> {
    const now = this.options.clock.now();
    return inTransaction(this.options.db, async (tx) => {
      const award = await findAward(tx, context.organizationId, id);
      if (!award) throw notFound('Award');
      let result = award;
      if (await markAwardRevoked(tx, id, reason, now)) {
        await setStatusBit(tx, award.statusListId, award.statusIndex);
        await recordAudit(tx, context, { action: 'award.revoked', target: { type: 'award', id }, details: { reason } });
        await enqueue(tx, awardRevokedJob, { awardId: id, statusListId: award.statusListId }, { organizationId: context.organizationId });
        result = { ...award, status: 'revoked', revokedAt: now, revocationReason: reason };
        for (const listener of this.options.listeners ?? []) await listener.revoked(tx, result);
      }
      await alongside?.(tx, result);
      return result;
    });
  }
}
