import type { Db } from '../../db/database.js';

/**
 * Where a badge class's awards are delivered: to Laurel's own credentials only (no backend), or
 * to a Credly badge template or Accredible group of one of the organisation's connections.
 */
export interface IssuingBackend {
  connectionId: string;
  /** Laurel's id of the synced template (`tpl_…`). */
  templateId: string;
  /** Whether Laurel also signs its own OB 3.0 credential for each award. */
  ownCredential: boolean;
}

/** What a client asks for: the template by Laurel's id or by the provider's own id. */
export interface IssuingBackendRequest {
  connectionId: string;
  templateId: string;
  ownCredential?: boolean;
}

/**
 * Checks a requested link against the organisation's connections and their synced templates
 * (provided by the providers capability). Throws a field-level 422 naming what is unusable.
 */
export type IssuingBackendResolver = (tx: Db, organizationId: string, request: IssuingBackendRequest, field: string) => Promise<IssuingBackend>;
