import { buildStatusListCredential, StatusList } from '../credentials/status-list.js';
import type { Db } from '../db/database.js';
import type { Clock } from '../kernel/clock.js';
import { statusListUrl } from './documents.js';
import type { CredentialSigner, IssuingCatalog } from './ports.js';
import { findStatusList, storeStatusListCredential, type PublishedStatusList } from './status-lists.js';

export interface StatusListPublisherOptions {
  db: Db;
  clock: Clock;
  publicUrl: string;
  catalog: Pick<IssuingCatalog, 'signing'>;
  signer: CredentialSigner;
}

/**
 * Keeps each BitstringStatusListCredential signed and current: revocations bump the list's
 * revision, and publishing signs the revision that is in the database (a job does it right
 * after a revocation; a request that finds it stale does it on the spot).
 */
export class StatusListPublisher {
  constructor(private readonly options: StatusListPublisherOptions) {}

  /** The current signed list credential, signing it first when stale; undefined for unknown ids. */
  async current(statusListId: string): Promise<PublishedStatusList | undefined> {
    const stored = await findStatusList(this.options.db, statusListId);
    if (!stored) return undefined;
    if (stored.published && stored.published.version === stored.credentialVersion) return stored.published;
    const list = new StatusList(stored.length);
    for (const index of stored.setIndexes) list.set(index, true);
    const signing = await this.options.catalog.signing(stored.issuerId);
    const unsigned = buildStatusListCredential({
      id: statusListUrl(this.options.publicUrl, stored.id),
      issuer: signing.profile.id,
      list,
      validFrom: this.options.clock.now(),
    });
    const published = { version: stored.credentialVersion, document: await this.options.signer.sign(unsigned, signing.dataIntegrity, this.options.clock.now()) };
    await storeStatusListCredential(this.options.db, stored.id, published);
    return published;
  }
}
