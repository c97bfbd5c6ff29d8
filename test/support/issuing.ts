import { makePng } from './credentials-fixtures.js';
import type { TestApp } from './app.js';

export interface IssuingSetup {
  token: string;
  organizationId: string;
  issuerId: string;
  badgeClassId: string;
  imageId: string;
}

/** An organisation with an issuer and a badge class, made through the API as a user would. */
export async function setUpIssuing(
  app: TestApp,
  name: string,
  badgeClass: Record<string, unknown> = {},
): Promise<IssuingSetup> {
  const org = await app.organization(name);
  const token = await app.token(org.client.client_id, org.client.client_secret!);
  const image = await app.call('POST', '/api/v1/images', { token, body: makePng(4 * 1024), headers: { 'content-type': 'image/png' } });
  if (image.status !== 201) throw new Error(`image upload failed: ${image.status} ${image.text}`);
  const issuer = await app.call('POST', '/api/v1/issuers', { token, body: { name: `${name} Registry`, url: 'https://university.example.edu', email: 'badges@university.example.edu' } });
  if (issuer.status !== 201) throw new Error(`issuer failed: ${issuer.status} ${issuer.text}`);
  const created = await app.call('POST', '/api/v1/badge-classes', {
    token,
    body: {
      issuerId: issuer.body.id,
      name: 'Data Literacy',
      description: 'Reads, questions and explains data.',
      imageId: image.body.id,
      criteria: { narrative: 'Pass the **final project** with 70% or more.' },
      expiry: { kind: 'never' },
      ...badgeClass,
    },
  });
  if (created.status !== 201) throw new Error(`badge class failed: ${created.status} ${created.text}`);
  return { token, organizationId: org.organization.id, issuerId: issuer.body.id, badgeClassId: created.body.id, imageId: image.body.id };
}

export async function waitFor<T>(probe: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ready(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
