import type { JsonObject } from '../credentials/json.js';
import { signVcJwt } from '../credentials/vc-jwt.js';
import { notFound } from '../kernel/errors.js';
import type { IssuingCatalog } from './ports.js';
import type { AwardRecord } from './store.js';

/** The award's signed OB 3.0 credential (Data Integrity proof), as stored at issue time. */
export function signedCredential(award: AwardRecord): JsonObject {
  if (!award.credential) throw notFound('Credential');
  return award.credential;
}

/** The same credential as a VC-JWT: the credential without its embedded proof, signed ES256. */
export async function credentialJwt(catalog: Pick<IssuingCatalog, 'signing'>, award: AwardRecord): Promise<string> {
  const { proof: _proof, ...credential } = signedCredential(award);
  return signVcJwt(credential, (await catalog.signing(award.issuerId)).jwt);
}
