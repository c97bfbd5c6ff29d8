import { expect, it } from 'vitest';
import { extractFromImage } from '../../src/credentials/baking.js';
import { checkConformance } from '../../src/credentials/conformance.js';
import { StatusList } from '../../src/credentials/status-list.js';
import { validateAchievementCredential } from '../../src/credentials/schema-validation.js';
import { describeEachApp } from '../support/app.js';
import { setUpIssuing, waitFor } from '../support/issuing.js';

const publicUrl = 'https://badges.example.edu';
const local = (app: { baseUrl: string }, url: string) => url.replace(publicUrl, '');

describeEachApp(
  'awards and their credentials',
  (app) => {
    it('issues a signed, schema-valid OB 3.0 credential once per recipient of a single-holding badge', async () => {
      const setup = await setUpIssuing(app(), 'Award Org');
      const request = { badgeClassId: setup.badgeClassId, recipient: { email: 'Ada@Example.org', name: 'Ada Lovelace' }, narrative: 'Built the *engine*.' };
      const first = await app().call('POST', '/api/v1/awards', { token: setup.token, body: request });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ status: 'awarded', badgeClassVersion: 1, recipient: { email: 'Ada@Example.org', name: 'Ada Lovelace' } });
      const again = await app().call('POST', '/api/v1/awards', { token: setup.token, body: { ...request, recipient: { email: 'ada@example.org' } } });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);

      const credential = await app().call('GET', local(app(), first.body.links.credential));
      expect(credential.status).toBe(200);
      const vc = credential.body;
      expect(vc['@context']).toEqual([
        'https://www.w3.org/ns/credentials/v2',
        'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
        'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
      ]);
      expect(vc.issuer.id).toMatch(/^did:web:badges\.example\.edu:issuers:iss_/);
      expect(vc.proof).toEqual([expect.objectContaining({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', verificationMethod: `${vc.issuer.id}#ed25519-1` })]);
      expect(vc.credentialSubject.identifier[0]).toMatchObject({ identityType: 'emailAddress', hashed: true });
      expect(credential.text).not.toContain('ada@example.org');
      expect(vc.credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
      expect(validateAchievementCredential(vc)).toEqual({ valid: true, errors: [] });
      const viaApi = await app().call('GET', `/api/v1/awards/${first.body.id}/credential`, { token: setup.token });
      expect(viaApi.body).toEqual(vc);
      expect((await app().call('GET', `/api/v1/awards/${first.body.id}/credential.jwt`, { token: setup.token })).text.split('.')).toHaveLength(3);
      expect(checkConformance(vc)).toEqual([]);

      const jwt = await app().call('GET', local(app(), first.body.links.credentialJwt));
      const [header, payload] = jwt.text.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
      expect(header).toMatchObject({ alg: 'ES256', kid: `${vc.issuer.id}#p256-1` });
      expect(payload).toMatchObject({ iss: vc.issuer.id, jti: vc.id, nbf: Math.floor(Date.parse(vc.validFrom) / 1000) });
      expect(payload.proof).toBeUndefined();

      const assertion = await app().call('GET', local(app(), first.body.links.assertion));
      expect(assertion.status).toBe(200);
      expect(assertion.body).toMatchObject({ type: 'Assertion', id: first.body.links.assertion, verification: { type: 'HostedBadge' } });
      expect((await app().call('GET', local(app(), assertion.body.badge))).status).toBe(200);

      expect(first.body.links.image).toBe(`${first.body.links.assertion}/image.png`);
      const png = await fetch(`${app().baseUrl}${local(app(), first.body.links.image)}`);
      expect(png.headers.get('content-type')).toBe('image/png');
      const baked = extractFromImage(new Uint8Array(await png.arrayBuffer()));
      expect(JSON.parse(baked!.text)).toEqual(vc);
      const ob2Png = await fetch(`${app().baseUrl}${local(app(), first.body.links.image)}?format=ob2`);
      expect(JSON.parse(extractFromImage(new Uint8Array(await ob2Png.arrayBuffer()))!.text)).toMatchObject({ type: 'Assertion' });
      // Only the badge image's own format is served, and only that one is linked.
      const svg = await app().call('GET', `${local(app(), first.body.links.assertion)}/image.svg`);
      expect(svg.status).toBe(404);
    });

    it("links the baked image in the format of the badge class's image: SVG for an SVG badge", async () => {
      const setup = await setUpIssuing(app(), 'SVG Badge Org');
      const svgImage = await app().call('POST', '/api/v1/images', {
        token: setup.token,
        body: '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>',
        headers: { 'content-type': 'image/svg+xml' },
      });
      expect((await app().call('PATCH', `/api/v1/badge-classes/${setup.badgeClassId}`, { token: setup.token, body: { imageId: svgImage.body.id } })).status).toBe(200);
      const issued = await app().call('POST', '/api/v1/awards', { token: setup.token, body: { badgeClassId: setup.badgeClassId, recipient: { email: 'svg@example.org' } } });
      expect(issued.body.links.image).toBe(`${issued.body.links.assertion}/image.svg`);
      const svg = await app().call('GET', local(app(), issued.body.links.image));
      expect(svg.status).toBe(200);
      expect(svg.headers.get('content-type')).toContain('image/svg+xml');
      expect(svg.text).toContain('openbadges:credential');
      const listed = await app().call('GET', `/api/v1/awards?badgeClassId=${setup.badgeClassId}`, { token: setup.token });
      expect(listed.body.items.map((award: { links: { image: string } }) => award.links.image)).toEqual([issued.body.links.image]);
    });

    it('verifies credentials in every form and reports tampering, revocation and expiry', async () => {
      const setup = await setUpIssuing(app(), 'Verify Org');
      const issued = await app().call('POST', '/api/v1/awards', { token: setup.token, body: { badgeClassId: setup.badgeClassId, recipient: { email: 'grace@example.org' } } });
      const vc = (await app().call('GET', local(app(), issued.body.links.credential))).body;

      const checks = (report: { checks: { name: string; outcome: string }[] }) => Object.fromEntries(report.checks.map((c) => [c.name, c.outcome]));
      const ok = await app().call('POST', '/api/v1/verify', { body: vc });
      expect(ok.body.verified).toBe(true);
      expect(checks(ok.body)).toMatchObject({ schema: 'passed', proof: 'passed', status: 'passed', validity: 'passed' });
      const jwt = await app().call('GET', local(app(), issued.body.links.credentialJwt));
      const viaJwt = await app().call('POST', '/api/v1/verify', { body: jwt.text, headers: { 'content-type': 'application/jwt' } });
      expect(viaJwt.body).toMatchObject({ verified: true, format: 'vc-jwt' });
      const png = Buffer.from(await (await fetch(`${app().baseUrl}${local(app(), issued.body.links.image)}`)).arrayBuffer());
      const viaImage = await app().call('POST', '/api/v1/verify', { body: png, headers: { 'content-type': 'image/png' } });
      expect(viaImage.body).toMatchObject({ verified: true, format: 'png' });

      const tampered = await app().call('POST', '/api/v1/verify', { body: { ...vc, name: 'Forged' } });
      expect(tampered.body.verified).toBe(false);
      expect(checks(tampered.body).proof).toBe('failed');
      const garbage = await app().call('POST', '/api/v1/verify', { body: Buffer.from('not a badge at all'), headers: { 'content-type': 'application/octet-stream' } });
      expect(garbage.status).toBe(200);
      expect(garbage.body.verified).toBe(false);

      const revoked = await app().call('POST', `/api/v1/awards/${issued.body.id}/revoke`, { token: setup.token, body: { reason: 'Issued in error' } });
      expect(revoked.body).toMatchObject({ status: 'revoked', revocationReason: 'Issued in error' });
      const gone = await app().call('GET', local(app(), issued.body.links.assertion));
      expect(gone.status).toBe(410);
      expect(gone.body).toMatchObject({ revoked: true, revocationReason: 'Issued in error' });
      const list = await app().call('GET', local(app(), vc.credentialStatus.statusListCredential));
      expect(StatusList.decode(list.body.credentialSubject.encodedList).isSet(Number(vc.credentialStatus.statusListIndex))).toBe(true);
      const afterRevoke = await app().call('POST', '/api/v1/verify', { body: vc });
      expect(afterRevoke.body.verified).toBe(false);
      expect(checks(afterRevoke.body).status).toBe('failed');

      const expired = await app().call('POST', '/api/v1/awards', {
        token: setup.token,
        body: { badgeClassId: setup.badgeClassId, recipient: { email: 'old@example.org' }, issuedOn: '2020-01-01T00:00:00Z', expiresOn: '2021-01-01T00:00:00Z' },
      });
      expect(expired.body.status).toBe('expired');
      const listed = await app().call('GET', '/api/v1/awards?status=expired', { token: setup.token });
      expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([expired.body.id]);
      const expiredVc = (await app().call('GET', local(app(), expired.body.links.credential))).body;
      const expiredReport = await app().call('POST', '/api/v1/verify', { body: expiredVc });
      expect(expiredReport.body.verified).toBe(false);
      expect(checks(expiredReport.body).validity).toBe('failed');
    });

    it("keeps each organisation's awards to itself and validates input", async () => {
      const a = await setUpIssuing(app(), 'Isolation A');
      const b = await setUpIssuing(app(), 'Isolation B');
      const award = await app().call('POST', '/api/v1/awards', { token: b.token, body: { badgeClassId: b.badgeClassId, recipient: { email: 'b@example.org' } } });
      expect((await app().call('GET', `/api/v1/awards/${award.body.id}`, { token: a.token })).status).toBe(404);
      expect((await app().call('POST', `/api/v1/awards/${award.body.id}/revoke`, { token: a.token, body: { reason: 'x' } })).status).toBe(404);
      const foreignClass = await app().call('POST', '/api/v1/awards', { token: a.token, body: { badgeClassId: b.badgeClassId, recipient: { email: 'a@example.org' } } });
      expect(foreignClass.status).toBe(404);
      const badEmail = await app().call('POST', '/api/v1/awards', { token: a.token, body: { badgeClassId: a.badgeClassId, recipient: { email: 'nope' } } });
      expect(badEmail.status).toBe(400);
      expect(badEmail.body.errors[0].field).toBe('body/recipient/email');
      const backwards = await app().call('POST', '/api/v1/awards', {
        token: a.token,
        body: { badgeClassId: a.badgeClassId, recipient: { email: 'a@example.org' }, issuedOn: '2024-01-02T00:00:00Z', expiresOn: '2024-01-01T00:00:00Z' },
      });
      expect(backwards.status).toBe(422);
      expect((await app().call('GET', '/api/v1/awards', { token: a.token })).body.items).toEqual([]);
    });

    it('issues a CSV roster in bulk with a per-row result, never letting bad rows stop good ones', async () => {
      const setup = await setUpIssuing(app(), 'Bulk Org');
      await app().call('POST', '/api/v1/awards', { token: setup.token, body: { badgeClassId: setup.badgeClassId, recipient: { email: 'held@example.org' } } });
      const csv = [
        'email,name,evidence_url,narrative,issued_on,expires_on',
        'one@example.org,One,https://evidence.example.org/1,Did it,,',
        'two@example.org,Two,,,2024-03-01,',
        'held@example.org,Held,,,,',
        'not-an-email,Bad,,,,',
        'three@example.org,Three,,,yesterday,',
      ].join('\n');
      const started = await app().call('POST', `/api/v1/awards/bulk?badgeClassId=${setup.badgeClassId}`, { token: setup.token, body: csv, headers: { 'content-type': 'text/csv' } });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ total: 5, status: 'pending' });
      const done = await waitFor(
        () => app().call('GET', `/api/v1/awards/bulk/${started.body.id}`, { token: setup.token }),
        (r) => r.body.status === 'done',
      );
      expect(done.body).toMatchObject({ done: 5, counts: { awarded: 2, alreadyHeld: 1, rejected: 2 } });
      const rows = await app().call('GET', `/api/v1/awards/bulk/${started.body.id}/rows`, { token: setup.token });
      expect(rows.body.items.map((r: { outcome: string; reason: string | null }) => [r.outcome, r.reason])).toEqual([
        ['awarded', null],
        ['awarded', null],
        ['already_held', null],
        ['rejected', 'email "not-an-email" is not an e-mail address'],
        ['rejected', 'issued_on "yesterday" is not an ISO 8601 date'],
      ]);
      const two = await app().call('GET', `/api/v1/awards/${rows.body.items[1].awardId}`, { token: setup.token });
      expect(two.body.issuedOn).toBe('2024-03-01T00:00:00.000Z');
      const badCsv = await app().call('POST', `/api/v1/awards/bulk?badgeClassId=${setup.badgeClassId}`, { token: setup.token, body: 'mail,name\nx,y', headers: { 'content-type': 'text/csv' } });
      expect(badCsv.status).toBe(422);
      expect(badCsv.body.detail).toContain('Unknown CSV column(s): mail');
    });

    it('lets a single-holding badge be earned again once the earlier award has expired', async () => {
      const setup = await setUpIssuing(app(), 'Renewal Org');
      const award = (body: Record<string, unknown>) => app().call('POST', '/api/v1/awards', { token: setup.token, body: { badgeClassId: setup.badgeClassId, recipient: { email: 'renew@example.org' }, ...body } });
      const lapsed = await award({ issuedOn: '2024-01-01T00:00:00Z', expiresOn: '2025-01-01T00:00:00Z' });
      expect(lapsed.status).toBe(201);
      expect(lapsed.body.status).toBe('expired');
      const renewed = await award({});
      expect(renewed.status).toBe(201);
      expect(renewed.body.id).not.toBe(lapsed.body.id);
      const again = await award({});
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(renewed.body.id);
      const listed = await app().call('GET', `/api/v1/awards?recipientEmail=renew@example.org`, { token: setup.token });
      expect(listed.body.items.map((a: { status: string }) => a.status)).toEqual(['awarded', 'expired']);
    });

    it('rejects, row by row, bulk rows that the badge class expiry would end before they start', async () => {
      const setup = await setUpIssuing(app(), 'Bulk Expiry Org', { expiry: { kind: 'date', date: '2025-06-30T00:00:00Z' } });
      const csv = ['email,name,issued_on', 'early@example.org,Early,2025-01-15', 'late@example.org,Late,2025-09-01'].join('\n');
      const started = await app().call('POST', `/api/v1/awards/bulk?badgeClassId=${setup.badgeClassId}`, { token: setup.token, body: csv, headers: { 'content-type': 'text/csv' } });
      const done = await waitFor(
        () => app().call('GET', `/api/v1/awards/bulk/${started.body.id}`, { token: setup.token }),
        (r) => r.body.status === 'done',
      );
      expect(done.body).toMatchObject({ status: 'done', counts: { awarded: 1, rejected: 1 } });
      const rows = await app().call('GET', `/api/v1/awards/bulk/${started.body.id}/rows`, { token: setup.token });
      expect(rows.body.items[1]).toMatchObject({ outcome: 'rejected', reason: 'the badge class expires every award on 2025-06-30T00:00:00.000Z, which is not after issuedOn' });
    });
  },
  { LAUREL_PUBLIC_URL: publicUrl },
  { runWorkers: true },
);
