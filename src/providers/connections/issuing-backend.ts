import type { IssuingBackendResolver } from '../../catalog/badge-classes/issuing-backend.js';
import { unusableField } from '../../kernel/errors.js';
import { findConnection } from './store.js';
import { findTemplate } from './templates.js';

/**
 * Checks a badge class's link to a provider template: the connection must be the organisation's
 * and the template one of its synced, active templates. Another organisation's connection reads
 * exactly like a missing one.
 */
export const resolveIssuingBackend: IssuingBackendResolver = async (tx, organizationId, request, field) => {
  const connection = await findConnection(tx, organizationId, request.connectionId);
  if (!connection) throw unusableField(`${field}/connectionId`, `no connection ${request.connectionId} in this organisation`);
  const template = await findTemplate(tx, connection.id, request.templateId);
  if (!template) {
    throw unusableField(`${field}/templateId`, `connection ${connection.id} has no synced template ${request.templateId}; sync it with POST /api/v1/connections/${connection.id}/sync`);
  }
  if (template.state !== 'active') throw unusableField(`${field}/templateId`, `template ${template.id} (${template.name}) is ${template.state}; only an active template can issue`);
  return { connectionId: connection.id, templateId: template.id, ownCredential: request.ownCredential ?? false };
};
