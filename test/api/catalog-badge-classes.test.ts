import { expect, it } from 'vitest';
import { badgeClassForIssuing } from '../../src/catalog/badge-classes/issuing.js';
import { newId } from '../../src/kernel/ids.js';
import { describeEachApp, type TestApp } from '../support/app.js';
import { catalogOrganization } from '../support/catalog.js';

const narrative = 'Complete **three** lab sessions.\n\n<script>alert("x")</script>\n\n[details](javascript:alert(1)) <img src=x onerror="alert(2)">';

function badgeBody(issuerId: string, imageId: string) {
  return {
    issuerId,
    name: 'Lab Safety <Level 1> & more',
    description: 'Handles the lab safely.',
    imageId,
    criteria: { narrative, url: 'https://science.example.edu/criteria/lab-safety' },
    achievementType: 'Competency',
    alignments: [{ targetName: 'Safety', targetUrl: 'https://framework.example.org/safety', targetCode: 'S1' }],
    tags: ['lab', 'safety'],
    language: 'en',
    expiry: { kind: 'duration', days: 365 },
  };
}

/** The awards API is not written yet: an award row as issuing will write it, pinned to a version. */
async function insertAward(app: TestApp, organizationId: string, badgeClassId: string, version: number, issuerId: string): Promise<void> {
  const db = app.database.db;
  const statusListId = newId('statusList');
  await db.insertInto('status_lists').values({ id: statusListId, issuer_id: issuerId, purpose: 'revocation', length: 131072 }).execute();
  await db
    .insertInto('awards')
    .values({
      id: newId('award'),
      organization_id: organizationId,
      badge_class_id: badgeClassId,
      badge_class_version: version,
      issuer_id: issuerId,
      recipient_email: 'learner@example.org',
      recipient_salt: 'salt',
      evidence: '[]',
      issued_on: new Date(),
      status: 'awarded',
      exclusive: true,
      status_list_id: statusListId,
      status_index: 0,
    })
    .execute();
}

describeEachApp('catalog: badge classes', (app) => {
  it('creates a badge class and publishes its OB 2.0 BadgeClass and a safe criteria page', async () => {
    const { token, issuerId, imageId } = await catalogOrganization(app(), 'Badges Create');
    const created = await app().call('POST', '/api/v1/badge-classes', { token, body: badgeBody(issuerId, imageId) });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const base = 'http://localhost:8080';
    expect(created.body).toMatchObject({
      issuerId,
      version: 1,
      name: 'Lab Safety <Level 1> & more',
      criteria: { narrative, url: 'https://science.example.edu/criteria/lab-safety' },
      achievementType: 'Competency',
      tags: ['lab', 'safety'],
      language: 'en',
      expiry: { kind: 'duration', days: 365 },
      allowMultiple: false,
      archivedAt: null,
      urls: { image: `${base}/images/${imageId}`, badgeClass: `${base}/badge-classes/${id}/versions/1`, criteria: `${base}/badge-classes/${id}/versions/1/criteria` },
    });
    expect((await app().call('GET', `/api/v1/badge-classes/${id}`, { token })).body).toEqual(created.body);

    const ob2 = await app().call('GET', `/badge-classes/${id}/versions/1`);
    expect(ob2.status).toBe(200);
    expect(ob2.body).toEqual({
      '@context': 'https://w3id.org/openbadges/v2',
      type: 'BadgeClass',
      id: `${base}/badge-classes/${id}/versions/1`,
      name: 'Lab Safety <Level 1> & more',
      description: 'Handles the lab safely.',
      image: `${base}/images/${imageId}`,
      criteria: { id: `${base}/badge-classes/${id}/versions/1/criteria`, narrative },
      issuer: `${base}/issuers/${issuerId}`,
      alignment: [{ targetName: 'Safety', targetUrl: 'https://framework.example.org/safety', targetCode: 'S1' }],
      tags: ['lab', 'safety'],
    });

    const page = await app().call('GET', `/badge-classes/${id}/versions/1/criteria`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.text).toContain('<h1>Lab Safety &lt;Level 1&gt; &amp; more</h1>');
    expect(page.text).toContain('Issued by Badges Create Academy');
    expect(page.text).toContain('<strong>three</strong>');
    expect(page.text).toContain('href="https://science.example.edu/criteria/lab-safety"');
    for (const banned of ['<script', 'alert', 'javascript:', 'onerror']) expect(page.text, banned).not.toContain(banned);
  });

  it('names the offending field of an invalid badge class', async () => {
    const { token, issuerId, imageId } = await catalogOrganization(app(), 'Badges Invalid');
    const valid = badgeBody(issuerId, imageId);
    const cases: [Record<string, unknown>, string, number][] = [
      [{ criteria: {} }, 'body/criteria', 400],
      [{ criteria: { url: 'ftp://example.org/x' } }, 'body/criteria/url', 400],
      [{ achievementType: 'Trophy' }, 'body/achievementType', 400],
      [{ language: 'English' }, 'body/language', 400],
      [{ expiry: { kind: 'date' } }, 'body/expiry/date', 400],
      [{ expiry: { kind: 'duration', days: 0 } }, 'body/expiry/days', 400],
      [{ alignments: [{ targetName: 'No URL' }] }, 'body/alignments/0/targetUrl', 400],
      [{ name: '' }, 'body/name', 400],
      [{ colour: 'gold' }, 'body/colour', 400],
      [{ imageId: 'img_01jd8x0000000000000000000' }, 'body/imageId', 422],
    ];
    for (const [override, field, status] of cases) {
      const response = await app().call('POST', '/api/v1/badge-classes', { token, body: { ...valid, ...override } });
      expect(response.status, field).toBe(status);
      expect(response.body.errors.map((e: { field: string }) => e.field), field).toContain(field);
    }
    const { description: _description, ...withoutDescription } = valid;
    const missing = await app().call('POST', '/api/v1/badge-classes', { token, body: withoutDescription });
    expect(missing.body.errors).toEqual([{ field: 'body/description', message: expect.any(String) }]);
    const defaults = await app().call('POST', '/api/v1/badge-classes', { token, body: { issuerId, imageId, name: 'Minimal', description: 'Minimal badge.', criteria: { url: 'https://example.org/c' } } });
    expect(defaults.body).toMatchObject({ achievementType: 'Badge', expiry: { kind: 'never' }, alignments: [], tags: [], language: null, criteria: { narrative: null } });
  });

  it("refuses another organisation's issuer and image, and shows nothing across organisations", async () => {
    const a = await catalogOrganization(app(), 'Badges Org A');
    const b = await catalogOrganization(app(), 'Badges Org B');
    const foreignIssuer = await app().call('POST', '/api/v1/badge-classes', { token: a.token, body: badgeBody(b.issuerId, a.imageId) });
    expect(foreignIssuer.status).toBe(422);
    expect(foreignIssuer.body.errors).toEqual([{ field: 'body/issuerId', message: `no issuer ${b.issuerId} in this organisation` }]);
    const foreignImage = await app().call('POST', '/api/v1/badge-classes', { token: a.token, body: badgeBody(a.issuerId, b.imageId) });
    expect(foreignImage.status).toBe(422);
    expect(foreignImage.body.errors.map((e: { field: string }) => e.field)).toEqual(['body/imageId']);

    const ofB = await app().call('POST', '/api/v1/badge-classes', { token: b.token, body: badgeBody(b.issuerId, b.imageId) });
    const ofA = await app().call('POST', '/api/v1/badge-classes', { token: a.token, body: badgeBody(a.issuerId, a.imageId) });
    const probes: [string, string, unknown][] = [
      ['GET', `/api/v1/badge-classes/${ofB.body.id}`, undefined],
      ['PATCH', `/api/v1/badge-classes/${ofB.body.id}`, { name: 'Taken' }],
      ['GET', `/api/v1/badge-classes/${ofB.body.id}/versions/1`, undefined],
      ['POST', `/api/v1/badge-classes/${ofB.body.id}/archive`, {}],
    ];
    for (const [method, path, body] of probes) expect((await app().call(method, path, { token: a.token, body })).status, `${method} ${path}`).toBe(404);
    const editToForeignImage = await app().call('PATCH', `/api/v1/badge-classes/${ofA.body.id}`, { token: a.token, body: { imageId: b.imageId } });
    expect(editToForeignImage.status).toBe(422);
    const listA = await app().call('GET', '/api/v1/badge-classes', { token: a.token });
    expect(listA.body.items.map((c: { id: string }) => c.id)).toEqual([ofA.body.id]);
    expect((await app().call('GET', `/api/v1/badge-classes/${ofB.body.id}`, { token: b.token })).body.name).toBe('Lab Safety <Level 1> & more');
    await expect(badgeClassForIssuing(app().database.db, a.org.organization.id, ofB.body.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('edits in place until an award uses the version, then keeps that version and adds the next', async () => {
    const { org, token, issuerId, imageId } = await catalogOrganization(app(), 'Badges Versions');
    const created = await app().call('POST', '/api/v1/badge-classes', { token, body: { ...badgeBody(issuerId, imageId), criteria: { narrative: 'Attend the *first* lab.' } } });
    const id = created.body.id;

    const inPlace = await app().call('PATCH', `/api/v1/badge-classes/${id}`, { token, body: { criteria: { narrative: 'Attend the *original* lab.' } } });
    expect(inPlace.status).toBe(200);
    expect(inPlace.body).toMatchObject({ version: 1, criteria: { narrative: 'Attend the *original* lab.', url: null }, name: created.body.name });
    expect((await app().call('GET', `/badge-classes/${id}/versions/1/criteria`)).text).toContain('<em>original</em>');

    await insertAward(app(), org.organization.id, id, 1, issuerId);
    // Changing only who may hold it more than once, or sending what is already there, freezes nothing.
    const sameContent = await app().call('PATCH', `/api/v1/badge-classes/${id}`, { token, body: { allowMultiple: true, alignments: created.body.alignments, expiry: { kind: 'duration', days: 365 } } });
    expect(sameContent.body).toMatchObject({ version: 1, allowMultiple: true });

    const edited = await app().call('PATCH', `/api/v1/badge-classes/${id}`, { token, body: { name: 'Lab Safety II', criteria: { narrative: 'Attend the *revised* lab.' } } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ version: 2, name: 'Lab Safety II', criteria: { narrative: 'Attend the *revised* lab.' }, description: created.body.description, tags: ['lab', 'safety'] });
    expect((await app().call('GET', `/api/v1/badge-classes/${id}`, { token })).body.version).toBe(2);

    const v1 = await app().call('GET', `/api/v1/badge-classes/${id}/versions/1`, { token });
    expect(v1.body).toMatchObject({ badgeClassId: id, version: 1, name: 'Lab Safety <Level 1> & more', criteria: { narrative: 'Attend the *original* lab.' } });
    const oldPage = (await app().call('GET', `/badge-classes/${id}/versions/1/criteria`)).text;
    expect(oldPage).toContain('<em>original</em>');
    expect(oldPage).not.toContain('revised');
    expect((await app().call('GET', `/badge-classes/${id}/versions/2/criteria`)).text).toContain('<em>revised</em>');
    expect((await app().call('GET', `/badge-classes/${id}/versions/1`)).body).toMatchObject({ name: 'Lab Safety <Level 1> & more', criteria: { narrative: 'Attend the *original* lab.' } });
    expect((await app().call('GET', `/badge-classes/${id}/versions/2`)).body).toMatchObject({ name: 'Lab Safety II', criteria: { narrative: 'Attend the *revised* lab.' } });
    expect((await app().call('GET', `/badge-classes/${id}/versions/3`)).status).toBe(404);

    // Version 2 has no award yet, so the next edit changes it in place.
    const again = await app().call('PATCH', `/api/v1/badge-classes/${id}`, { token, body: { language: null } });
    expect(again.body).toMatchObject({ version: 2, language: null });

    const issuing = await badgeClassForIssuing(app().database.db, org.organization.id, id);
    expect(issuing.version).toMatchObject({ version: 2, name: 'Lab Safety II' });
    expect(issuing.issuer.id).toBe(issuerId);
  });

  it('archives: hidden from the default list, refused for new awards, documents still public', async () => {
    const { org, token, issuerId, imageId } = await catalogOrganization(app(), 'Badges Archive');
    const kept = await app().call('POST', '/api/v1/badge-classes', { token, body: badgeBody(issuerId, imageId) });
    const retired = await app().call('POST', '/api/v1/badge-classes', { token, body: { ...badgeBody(issuerId, imageId), name: 'Old badge' } });
    const archived = await app().call('POST', `/api/v1/badge-classes/${retired.body.id}/archive`, { token, body: {} });
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).toEqual(expect.any(String));

    const active = await app().call('GET', '/api/v1/badge-classes', { token });
    expect(active.body.items.map((c: { id: string }) => c.id)).toEqual([kept.body.id]);
    const onlyArchived = await app().call('GET', '/api/v1/badge-classes?archived=true', { token });
    expect(onlyArchived.body.items.map((c: { id: string }) => c.id)).toEqual([retired.body.id]);
    const byIssuer = await app().call('GET', `/api/v1/badge-classes?issuerId=${issuerId}&limit=1`, { token });
    expect(byIssuer.body).toMatchObject({ items: [{ id: kept.body.id }], nextCursor: null });

    await expect(badgeClassForIssuing(app().database.db, org.organization.id, retired.body.id)).rejects.toMatchObject({ code: 'conflict' });
    expect((await app().call('GET', `/badge-classes/${retired.body.id}/versions/1`)).status).toBe(200);
  });
});
