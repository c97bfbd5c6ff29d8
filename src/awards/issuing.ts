import { availableParallelism } from 'node:os';
import type { Catalog } from '../catalog/catalog.js';
import type { MailConfig } from '../config.js';
import { createDocumentLoader, type DocumentLoader, type ResolveLocal } from '../credentials/document-loader.js';
import { SigningPool } from '../credentials/signing-pool.js';
import { VerificationPool } from '../credentials/verification-pool.js';
import type { Db } from '../db/database.js';
import type { Api } from '../http/schemas.js';
import type { JobHandler } from '../jobs/worker.js';
import type { Clock } from '../kernel/clock.js';
import { createMailer } from '../mail/mailer.js';
import { localDocumentResolver } from '../verification/local-documents.js';
import { remoteDocumentFetcher } from '../verification/remote-documents.js';
import { registerVerificationRoutes } from '../verification/routes.js';
import { BulkIssueService, bulkIssueJob } from './bulk.js';
import { registerBulkIssueRoutes } from './bulk-routes.js';
import { catalogForIssuing } from './catalog-adapter.js';
import { AwardNotifier, awardNotifyJob } from './notifications.js';
import type { AwardListener, CredentialSigner, IssuingCatalog, ProviderStatusLookup } from './ports.js';
import { registerPublicAwardRoutes } from './public-routes.js';
import { registerAwardRoutes } from './routes.js';
import { AwardService, awardRevokedJob } from './service.js';
import { StatusListPublisher } from './status-list-publisher.js';

/** Awards, bulk issue, award e-mails, status lists and verification, over the catalog. */
export interface Issuing {
  catalog: IssuingCatalog;
  awards: AwardService;
  bulk: BulkIssueService;
  statusLists: StatusListPublisher;
  /** Resolves bundled contexts, did:key, and Laurel's own DIDs and status lists; never the network. */
  documentLoader: DocumentLoader;
  verifier(): VerificationPool;
  jobHandlers: Record<string, JobHandler>;
  close(): Promise<void>;
}

/** A value made on first use: worker-thread pools cost start-up time a process may never need. */
function lazy<T>(create: () => T): { get(): T; created(): T | undefined } {
  let value: T | undefined;
  return { get: () => (value ??= create()), created: () => value };
}

export function createIssuing(options: {
  db: Db;
  publicUrl: string;
  clock: Clock;
  catalog: Catalog;
  verifyFetchHosts: readonly string[];
  /** Hear every award made and revoked, in its transaction. */
  awardListeners: readonly AwardListener[];
  /** Outgoing e-mail; undefined when it is off (then `notify` is refused). */
  mail: MailConfig | undefined;
}): Issuing {
  const { db, publicUrl, clock } = options;
  const catalog = catalogForIssuing(db, options.catalog.issuers);
  const signingPool = lazy(() => new SigningPool({ size: availableParallelism() }));
  const signer: CredentialSigner = { sign: (credential, key, created) => signingPool.get().sign(credential, key, created) };
  const statusLists = new StatusListPublisher({ db, clock, publicUrl, catalog, signer });
  const awards = new AwardService({ db, clock, publicUrl, catalog, signer, listeners: options.awardListeners, canNotify: options.mail !== undefined });
  const mailer = options.mail ? createMailer(options.mail) : null;
  const notifier = new AwardNotifier({ db, clock, publicUrl, catalog, mailer });
  const bulk = new BulkIssueService({ db, awards, catalog });
  const ownDocuments = localDocumentResolver(publicUrl, {
    didDocument: (did) => options.catalog.issuers.didDocumentOf(did),
    statusListCredential: async (id) => (await statusLists.current(id))?.document,
  });
  const remoteDocuments = options.verifyFetchHosts.length > 0 ? remoteDocumentFetcher({ allowedHosts: options.verifyFetchHosts }) : undefined;
  const resolveLocal: ResolveLocal = async (url) => (await ownDocuments(url)) ?? (await remoteDocuments?.(url));
  const verificationPool = lazy(() => new VerificationPool({ size: availableParallelism(), resolveLocal }));
  return {
    catalog,
    awards,
    bulk,
    statusLists,
    documentLoader: createDocumentLoader({ resolveLocal }),
    verifier: verificationPool.get,
    jobHandlers: {
      [bulkIssueJob]: (job) => bulk.process(job.payload),
      [awardRevokedJob]: async (job) => {
        await statusLists.current((job.payload as { statusListId: string }).statusListId);
      },
      [awardNotifyJob]: notifier.handle,
    },
    async close() {
      mailer?.close();
      await Promise.all([signingPool.created()?.close(), verificationPool.created()?.close()]);
    },
  };
}

export function registerIssuingRoutes(app: Api, issuing: Issuing, options: { publicUrl: string; clock: Clock; db: Db; wakeWorkers: () => void; providerStatuses: ProviderStatusLookup }): void {
  registerAwardRoutes(app, { awards: issuing.awards, catalog: issuing.catalog, publicUrl: options.publicUrl, clock: options.clock, providerStatuses: options.providerStatuses });
  registerBulkIssueRoutes(app, issuing.bulk, options.wakeWorkers);
  registerPublicAwardRoutes(app, { db: options.db, publicUrl: options.publicUrl, catalog: issuing.catalog, statusLists: issuing.statusLists });
  registerVerificationRoutes(app, { verify: (input, now) => issuing.verifier().verify(input, now) }, options.clock);
}
