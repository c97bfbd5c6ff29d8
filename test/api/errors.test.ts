import { describe, expect, it } from 'vitest';
import { createLaurel } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { describeEachApp, testSecret } from '../support/app.js';
import { freshDatabase } from '../support/databases.js';

describeEachApp('errors are problem+json with stable codes', (app) => {
  it('names unknown routes', async () => {
    const response = await app().call('GET', '/api/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toEqual({
      type: 'urn:laurel:error:not_found',
      title: 'Not found',
      status: 404,
      code: 'not_found',
      detail: 'No route for GET /api/v1/nothing-here.',
      requestId: response.headers.get('x-request-id'),
    });
  });

  it('reports every invalid field, and changes nothing', async () => {
    const org = await app().organization('Errors Org');
    const token = await app().token(org.client.client_id, org.client.client_secret!);
    const response = await app().call('POST', '/api/v1/clients', { token, body: { name: '', scopes: ['badges:read', 'root'], extra: 1 } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
    const fields = response.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body/name', 'body/scopes/1', 'body/extra']));
    const clients = await app().call('GET', '/api/v1/clients', { token });
    expect(clients.body.items).toHaveLength(1);
  });

  it('refuses malformed JSON and unsupported media types clearly', async () => {
    const org = await app().organization('Malformed Org');
    const token = await app().token(org.client.client_id, org.client.client_secret!);
    const malformed = await app().call('POST', '/api/v1/clients', { token, body: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('bad_request');
    const xml = await app().call('POST', '/api/v1/clients', { token, body: '<client/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.status).toBe(415);
    expect(xml.body.code).toBe('unsupported_media_type');
  });

  it('echoes a sane caller request id and replaces an unsafe one', async () => {
    const own = await app().call('GET', '/healthz', { headers: { 'x-request-id': 'lms-42.abc' } });
    expect(own.headers.get('x-request-id')).toBe('lms-42.abc');
    const unsafe = await app().call('GET', '/healthz', { headers: { 'x-request-id': 'bad id\twith tabs' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('unexpected failures', () => {
  it('answer 500 internal_error with the request id and nothing about the cause', async () => {
    const database = await freshDatabase('pglite');
    const laurel = await createLaurel({ config: loadConfig({ LAUREL_LOG_LEVEL: 'silent' }), secret: testSecret, db: database.db, logger: false, runWorkers: false });
    laurel.http.get('/boom', { config: { auth: 'public' } }, async () => {
      throw new Error('connection to 10.0.0.7 refused: password authentication failed for user "laurel"');
    });
    const response = await laurel.http.inject({ method: 'GET', url: '/boom' });
    await laurel.stop();
    await database.close();
    expect(response.statusCode).toBe(500);
    const body = response.json();
    expect(body).toMatchObject({ code: 'internal_error', status: 500, requestId: response.headers['x-request-id'] });
    expect(response.body).not.toMatch(/10\.0\.0\.7|password|stack|at /);
  });
});
