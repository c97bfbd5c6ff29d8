import { seal, unseal } from '../../kernel/sealing.js';
import type { ConnectionSecrets } from './settings.js';

/** The connection id is the associated data: sealed credentials only open on the row they were written for. */
const associatedData = (connectionId: string) => `provider_connections|${connectionId}`;

export function sealSecrets(secrets: ConnectionSecrets, dataKey: Uint8Array, connectionId: string): string {
  return seal(Buffer.from(JSON.stringify(secrets), 'utf8'), dataKey, associatedData(connectionId));
}

export function unsealSecrets(sealed: string, dataKey: Uint8Array, connectionId: string): ConnectionSecrets {
  return JSON.parse(unseal(sealed, dataKey, associatedData(connectionId)).toString('utf8')) as ConnectionSecrets;
}
