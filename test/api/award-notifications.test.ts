import { afterAll, expect, it } from 'vitest';
import { describeEachApp, type TestApp } from '../support/app.js';
import { setUpIssuing, waitFor, type IssuingSetup } from '../support/issuing.js';
import { startSmtpServer, type ReceivedMail } from '../support/smtp.js';

const publicUrl = 'https://badges.example.edu';
const badgeName = 'Data <script>alert("owned")</script> & Co';

// Mailboxes named bounce-… do not exist; greylist-… ones answer "try later" to the first attempt.
const greylisted = new Set<string>();
const smtp = await startSmtpServer((address) => {
  if (address.startsWith('bounce-')) return [550, `5.1.1 <${address}>: Mailbox does not exist`];
  if (address.startsWith('greylist-') && !greylisted.has(address)) {
    greylisted.add(address);
    return [451, '4.7.1 Greylisted, try again later'];
  }
  return undefined;
});
afterAll(() => smtp.close());

const mailsTo = (address: string) => smtp.received.filter((mail) => mail.recipients.includes(address));

async function mailTo(address: string): Promise<ReceivedMail> {
  const [mail] = await waitFor(async () => mailsTo(address), (mails) => mails.length > 0);
  if (!mail) throw new Error(`no e-mail reached ${address}`);
  return mail;
}

/** The `award.notify` jobs queued for an organisation, by award id. */
async function notifyJobs(app: TestApp, token: string): Promise<Map<string, { id: string; status: string; attempts: number; lastError: string | null }>> {
  const listed = await app.call('GET', '/api/v1/jobs?kind=award.notify&limit=100', { token });
  expect(listed.status).toBe(200);
  return new Map(listed.body.items.map((job: { payload: { awardId: string } }) => [job.payload.awardId, job]));
}

describeEachApp(
  'e-mail notification of awards',
  (app) => {
    const address = (name: string) => `${name}-${app().kind}@example.org`;
    let setup: IssuingSetup;
    const issue = (recipient: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      app().call('POST', '/api/v1/awards', { token: setup.token, body: { badgeClassId: setup.badgeClassId, recipient, ...extra } });

    it('e-mails the recipient of a new award once, with links that resolve and the badge name escaped', async () => {
      setup = await setUpIssuing(app(), 'Notify Org', { name: badgeName, description: 'Reads, questions & explains <data>.' });
      const ada = address('ada');
      const issued = await issue({ email: ada, name: 'Ada Lovelace' }, { notify: true });
      expect(issued.status).toBe(201);
      expect(issued.body.notifiedAt).toBeNull();

      const mail = await mailTo(ada);
      expect(mail.recipients).toEqual([ada]);
      expect(mail.headers.get('to')).toBe(`Ada Lovelace <${ada}>`);
      expect(mail.headers.get('from')).toBe('Example Badges <badges@example.edu>');
      expect(mail.headers.get('subject')).toBe(`You earned ${badgeName}`);
      expect(mail.headers.get('reply-to')).toBe('badges@university.example.edu');
      expect(mail.headers.get('message-id')).toBe(`<${issued.body.id}@badges.example.edu>`);
      expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
      expect(mail.text).toContain(`Notify Org Registry has awarded you the badge "${badgeName}".`);
      expect(mail.html).toContain('Data &lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; &amp; Co');
      expect(mail.html).toContain('Reads, questions &amp; explains &lt;data&gt;.');
      expect(mail.html).not.toContain('<script>');

      const links = mail.text!.match(/https:\/\/badges\.example\.edu\/\S+/g)!;
      expect(links).toEqual([issued.body.links.image, issued.body.links.credential, issued.body.links.assertion]);
      for (const link of links) {
        expect(mail.html).toContain(`href="${link}"`);
        expect((await fetch(`${app().baseUrl}${link.slice(publicUrl.length)}`)).status).toBe(200);
      }

      const notified = await waitFor(
        () => app().call('GET', `/api/v1/awards/${issued.body.id}`, { token: setup.token }),
        (response) => response.body.notifiedAt !== null,
      );
      expect(Date.parse(notified.body.notifiedAt)).toBeGreaterThanOrEqual(Date.parse(issued.body.createdAt));

      // Holding the badge already: the existing award comes back and no second e-mail is queued.
      const again = await issue({ email: ada }, { notify: true });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(issued.body.id);
      const jobs = await notifyJobs(app(), setup.token);
      expect(jobs.get(issued.body.id)).toMatchObject({ status: 'done', attempts: 1 });
      expect(jobs.size).toBe(1);
      expect(mailsTo(ada)).toHaveLength(1);

      // Without notify nothing is sent.
      const quiet = await issue({ email: address('quiet') });
      expect(quiet.status).toBe(201);
      expect((await notifyJobs(app(), setup.token)).has(quiet.body.id)).toBe(false);
    });

    it('e-mails each recipient a bulk issue awards, and no one it skips or rejects', async () => {
      const held = address('held');
      expect((await issue({ email: held })).status).toBe(201);
      const fresh = [address('bulk-one'), address('bulk-two')];
      const rows = [{ email: fresh[0] }, { email: held }, { email: 'not-an-address' }, { email: fresh[1], name: 'Grace Hopper' }];
      const json = await app().call('POST', '/api/v1/awards/bulk', { token: setup.token, body: { badgeClassId: setup.badgeClassId, rows, notify: true } });
      expect(json.status).toBe(202);
      expect(json.body.notify).toBe(true);
      const csvAddress = address('bulk-csv');
      const csv = await app().call('POST', `/api/v1/awards/bulk?badgeClassId=${setup.badgeClassId}&notify=true`, {
        token: setup.token,
        body: `email,name\n${csvAddress},Katherine Johnson\n`,
        headers: { 'content-type': 'text/csv' },
      });
      expect(csv.status).toBe(202);

      for (const bulk of [json, csv]) {
        await waitFor(
          () => app().call('GET', `/api/v1/awards/bulk/${bulk.body.id}`, { token: setup.token }),
          (response) => response.body.status === 'done',
        );
      }
      const results = (await app().call('GET', `/api/v1/awards/bulk/${json.body.id}/rows`, { token: setup.token })).body.items;
      expect(results.map((row: { outcome: string }) => row.outcome)).toEqual(['awarded', 'already_held', 'rejected', 'awarded']);

      for (const recipient of [...fresh, csvAddress]) expect((await mailTo(recipient)).headers.get('subject')).toBe(`You earned ${badgeName}`);
      const awarded = results.filter((row: { outcome: string }) => row.outcome === 'awarded').map((row: { awardId: string }) => row.awardId);
      const heldAward = results[1].awardId;
      const jobs = await notifyJobs(app(), setup.token);
      for (const awardId of awarded) expect(jobs.has(awardId)).toBe(true);
      expect(jobs.has(heldAward)).toBe(false);
      expect(mailsTo(held)).toHaveLength(0);
      expect(smtp.received.filter((mail) => mail.recipients.some((recipient) => recipient.includes('not-an-address')))).toHaveLength(0);
    });

    it('fails the job with the server’s reply when the mail server refuses the recipient for good', async () => {
      const issued = await issue({ email: address('bounce') }, { notify: true });
      expect(issued.status).toBe(201);
      const job = (await notifyJobs(app(), setup.token)).get(issued.body.id)!;
      const failed = await waitFor(
        () => app().call('GET', `/api/v1/jobs/${job.id}`, { token: setup.token }),
        (response) => response.body.status === 'failed',
      );
      expect(failed.body).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringContaining(`550 5.1.1 <${address('bounce')}>: Mailbox does not exist`) });
      expect((await app().call('GET', `/api/v1/awards/${issued.body.id}`, { token: setup.token })).body.notifiedAt).toBeNull();
    });

    it('retries with backoff when the mail server asks to try again later', async () => {
      const recipient = address('greylist');
      const issued = await issue({ email: recipient }, { notify: true });
      expect((await mailTo(recipient)).recipients).toEqual([recipient]);
      const job = (await notifyJobs(app(), setup.token)).get(issued.body.id)!;
      const done = await waitFor(
        () => app().call('GET', `/api/v1/jobs/${job.id}`, { token: setup.token }),
        (response) => response.body.status === 'done',
      );
      expect(done.body).toMatchObject({ attempts: 2, lastError: expect.stringContaining('451 4.7.1 Greylisted') });
      expect(mailsTo(recipient)).toHaveLength(1);
    });
  },
  { LAUREL_SMTP_URL: smtp.url, LAUREL_MAIL_FROM: 'Example Badges <badges@example.edu>', LAUREL_PUBLIC_URL: publicUrl },
  { runWorkers: true },
);

describeEachApp('notify while e-mail is off', (app) => {
  it('refuses notify with 422 instead of dropping it, in single and bulk issue', async () => {
    const setup = await setUpIssuing(app(), 'Quiet Org');
    const single = await app().call('POST', '/api/v1/awards', { token: setup.token, body: { badgeClassId: setup.badgeClassId, recipient: { email: 'ada@example.org' }, notify: true } });
    expect(single.status).toBe(422);
    expect(single.body).toMatchObject({ code: 'unprocessable', detail: expect.stringContaining('does not send e-mail'), errors: [{ field: 'body/notify' }] });
    const json = await app().call('POST', '/api/v1/awards/bulk', { token: setup.token, body: { badgeClassId: setup.badgeClassId, rows: [{ email: 'ada@example.org' }], notify: true } });
    expect(json.status).toBe(422);
    expect(json.body.errors).toEqual([expect.objectContaining({ field: 'body/notify' })]);
    const csv = await app().call('POST', `/api/v1/awards/bulk?badgeClassId=${setup.badgeClassId}&notify=true`, { token: setup.token, body: 'email\nada@example.org\n', headers: { 'content-type': 'text/csv' } });
    expect(csv.status).toBe(422);
    expect(csv.body.errors).toEqual([expect.objectContaining({ field: 'querystring/notify' })]);
    expect((await app().call('GET', '/api/v1/awards', { token: setup.token })).body.items).toEqual([]);

    const plain = await app().call('POST', '/api/v1/awards', { token: setup.token, body: { badgeClassId: setup.badgeClassId, recipient: { email: 'ada@example.org' }, notify: false } });
    expect(plain.status).toBe(201);
    expect(plain.body.notifiedAt).toBeNull();
  });
});
