/**
 * A fake Accredible Credential API over real HTTP: issuer details, groups (paged search and the
 * older all_groups), designs, credentials (create, read, update, delete) and the v2 credential
 * search. `Authorization: Token token=<key>` as documented, and `Bearer <key>` as Open edX sends it.
 */
import { bodyFields, emailPattern, FakeHttpServer, type FakeRequest, type FakeResponse, type FaultRule, type LoggedRequest } from '../http/fake-server.js';
import { FakeAccredibleState, type FakeAccredibleCredential, type FakeAccredibleGroup, type FakeAccredibleIssuer } from './state.js';

export interface FakeAccredibleOptions {
  /** The largest page the server hands out, whatever `page_size` asks for. */
  maxPageSize?: number;
}

export interface FakeAccredible {
  /** `http://127.0.0.1:<port>`, the adapter's `apiBaseUrl` (routes are `/v1/…` and `/v2/…`). */
  apiBaseUrl: string;
  state: FakeAccredibleState;
  requests: LoggedRequest[];
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  close(): Promise<void>;
}

type FieldErrors = Record<string, string[]>;

const accredibleError = (status: number, errors: string | FieldErrors): FakeResponse => ({ status, body: { errors } });

export async function startFakeAccredible(options: FakeAccredibleOptions = {}): Promise<FakeAccredible> {
  const state = new FakeAccredibleState();
  const maxPageSize = options.maxPageSize ?? 100;

  const issuerOf = (request: FakeRequest): FakeAccredibleIssuer | undefined => {
    const header = request.headers.authorization ?? '';
    const key = /^Token token=(.+)$/.exec(header)?.[1] ?? /^Bearer (.+)$/.exec(header)?.[1];
    return key === undefined ? undefined : state.issuerOfKey(key);
  };

  /** Wraps a handler with the API key check; records of other issuers do not exist for it. */
  const authenticated =
    (handler: (request: FakeRequest, issuer: FakeAccredibleIssuer) => FakeResponse) =>
    (request: FakeRequest): FakeResponse => {
      const issuer = issuerOf(request);
      return issuer ? handler(request, issuer) : accredibleError(401, 'Invalid API key');
    };

  const visibleGroup = (issuer: FakeAccredibleIssuer, id: unknown): FakeAccredibleGroup | undefined => {
    const group = state.groups.get(Number(id));
    return group && !group.deleted && group.issuerId === issuer.id ? group : undefined;
  };
  const visibleCredential = (issuer: FakeAccredibleIssuer, id: unknown): FakeAccredibleCredential | undefined => {
    const credential = state.credentials.get(Number(id));
    return credential && !credential.deleted && credential.issuerId === issuer.id ? credential : undefined;
  };

  const groupJson = (group: FakeAccredibleGroup): Record<string, unknown> => ({
    id: group.id,
    name: group.name,
    course_name: group.courseName,
    course_description: group.courseDescription,
    course_link: null,
    language: 'en',
    primary_design_id: group.primaryDesignId,
    design_id: group.primaryDesignId,
    meta_data: {},
    created_at: '2024-01-01T00:00:00.000Z',
    updated_at: '2024-01-01T00:00:00.000Z',
  });

  const credentialJson = (credential: FakeAccredibleCredential): Record<string, unknown> => {
    const group = state.groups.get(credential.groupId);
    return {
      id: credential.id,
      name: group?.courseName ?? '',
      description: group?.courseDescription ?? '',
      approve: credential.approve,
      grade: null,
      complete: credential.complete,
      issued_on: credential.issuedOn,
      expired_on: credential.expiredOn,
      group_id: credential.groupId,
      group_name: group?.name ?? '',
      url: `https://www.credential.net/${credential.id}`,
      encoded_id: credential.id.toString(36),
      private: false,
      recipient: { id: credential.id + 1, ...credential.recipient },
      issuer: { id: credential.issuerId, name: state.issuers.get(credential.issuerId)?.name },
      meta_data: credential.metaData,
    };
  };

  /** Page-numbered lists: `groups` plus `meta` with the neighbouring page numbers. */
  const groupPage = (issuer: FakeAccredibleIssuer, pageValue: unknown, sizeValue: unknown): FakeResponse => {
    const size = Math.min(maxPageSize, positive(sizeValue, 50));
    const page = positive(pageValue, 1);
    const groups = [...state.groups.values()].filter((group) => group.issuerId === issuer.id && !group.deleted);
    const totalPages = Math.max(1, Math.ceil(groups.length / size));
    return {
      status: 200,
      body: {
        groups: groups.slice((page - 1) * size, page * size).map(groupJson),
        meta: { current_page: page, next_page: page < totalPages ? page + 1 : null, prev_page: page > 1 ? page - 1 : null, total_pages: totalPages, total_count: groups.length },
      },
    };
  };

  const createCredential = (request: FakeRequest, issuer: FakeAccredibleIssuer): FakeResponse => {
    const input = bodyFields(bodyFields(request.body).credential);
    const recipient = bodyFields(input.recipient);
    const errors: FieldErrors = {};
    if (typeof recipient.name !== 'string' || recipient.name.trim() === '') errors['recipient.name'] = ["can't be blank"];
    if (typeof recipient.email !== 'string' || !emailPattern.test(recipient.email)) errors['recipient.email'] = ['is invalid'];
    const group = visibleGroup(issuer, input.group_id);
    if (!group) errors.group_id = ['not found'];
    if (typeof input.issued_on !== 'string' || !isDateOrTimestamp(input.issued_on)) errors.issued_on = ['is invalid'];
    if (input.expired_on !== undefined && input.expired_on !== null && (typeof input.expired_on !== 'string' || !isDateOrTimestamp(input.expired_on))) {
      errors.expired_on = ['is invalid'];
    }
    if (Object.keys(errors).length > 0) return accredibleError(422, errors);
    const credential: FakeAccredibleCredential = {
      id: state.nextId(),
      issuerId: issuer.id,
      groupId: group!.id,
      recipient: { name: String(recipient.name), email: String(recipient.email) },
      issuedOn: String(input.issued_on),
      expiredOn: typeof input.expired_on === 'string' ? input.expired_on : null,
      approve: input.approve === true,
      complete: input.complete === true,
      metaData: bodyFields(input.meta_data),
      deleted: false,
    };
    state.credentials.set(credential.id, credential);
    return { status: 200, body: { credential: credentialJson(credential) } };
  };

  const updateCredential = (request: FakeRequest, issuer: FakeAccredibleIssuer): FakeResponse => {
    const credential = visibleCredential(issuer, request.params.id);
    if (!credential) return accredibleError(404, 'Not found');
    const input = bodyFields(bodyFields(request.body).credential);
    if ('expired_on' in input) {
      const value = input.expired_on;
      if (value !== null && (typeof value !== 'string' || !isDateOrTimestamp(value))) return accredibleError(422, { expired_on: ['is invalid'] });
      credential.expiredOn = value;
    }
    if (typeof input.approve === 'boolean') credential.approve = input.approve;
    return { status: 200, body: { credential: credentialJson(credential) } };
  };

  const searchCredentials = (request: FakeRequest, issuer: FakeAccredibleIssuer): FakeResponse => {
    const body = bodyFields(request.body);
    const query = bodyFields(body.query);
    const page = bodyFields(body.page);
    const groupIds = Array.isArray(query['group.id[in]']) ? query['group.id[in]'].map(String) : undefined;
    const email = typeof query.recipient_email === 'string' ? query.recipient_email.toLowerCase() : undefined;
    const found = state
      .credentialsOf(issuer.id)
      .filter((c) => !c.deleted && (!groupIds || groupIds.includes(String(c.groupId))) && (!email || c.recipient.email.toLowerCase() === email));
    const from = typeof page.from === 'number' && page.from >= 0 ? page.from : 0;
    const size = Math.min(maxPageSize, positive(page.size, 50));
    return { status: 200, body: { credentials: found.slice(from, from + size).map(credentialJson), meta: { count: found.length, from, size } } };
  };

  const server = new FakeHttpServer({
    errorBody: (status, message) => ({ errors: message }),
    routes: [
      {
        method: 'GET',
        path: '/v1/issuer/details',
        handler: authenticated((_request, issuer) => ({
          status: 200,
          body: { issuer: { id: issuer.id, name: issuer.name, email: `admin@${issuer.id}.test`, certificate_left: 100, url: null } },
        })),
      },
      {
        method: 'GET',
        path: '/v1/issuer/all_groups',
        handler: authenticated((request, issuer) => groupPage(issuer, request.query.get('page'), request.query.get('page_size'))),
      },
      {
        method: 'POST',
        path: '/v1/issuer/groups/search',
        handler: authenticated((request, issuer) => {
          const body = bodyFields(request.body);
          return groupPage(issuer, body.page, body.page_size);
        }),
      },
      {
        method: 'GET',
        path: '/v1/issuer/groups/:id',
        handler: authenticated((request, issuer) => {
          const group = visibleGroup(issuer, request.params.id);
          return group ? { status: 200, body: { group: groupJson(group) } } : accredibleError(404, 'Not found');
        }),
      },
      {
        method: 'GET',
        path: '/v1/designs/:id',
        handler: authenticated((request, issuer) => {
          const design = state.designs.get(Number(request.params.id));
          if (!design || design.issuerId !== issuer.id) return accredibleError(404, 'Not found');
          return { status: 200, body: { design: { id: design.id, rasterized_content_url: design.rasterizedContentUrl } } };
        }),
      },
      { method: 'POST', path: '/v1/credentials', handler: authenticated(createCredential) },
      {
        method: 'GET',
        path: '/v1/credentials/:id',
        handler: authenticated((request, issuer) => {
          const credential = visibleCredential(issuer, request.params.id);
          return credential ? { status: 200, body: { credential: credentialJson(credential) } } : accredibleError(404, 'Not found');
        }),
      },
      { method: 'PUT', path: '/v1/credentials/:id', handler: authenticated(updateCredential) },
      { method: 'PATCH', path: '/v1/credentials/:id', handler: authenticated(updateCredential) },
      {
        method: 'DELETE',
        path: '/v1/credentials/:id',
        handler: authenticated((request, issuer) => {
          const credential = visibleCredential(issuer, request.params.id);
          if (!credential) return accredibleError(404, 'Not found');
          credential.deleted = true;
          return { status: 200, body: { credential: credentialJson(credential) } };
        }),
      },
      { method: 'POST', path: '/v2/credentials/search', handler: authenticated(searchCredentials) },
    ],
  });

  const origin = await server.start();
  return {
    apiBaseUrl: origin,
    state,
    requests: server.requests,
    injectFault: (rule) => server.injectFault(rule),
    clearFaults: () => server.clearFaults(),
    close: () => server.close(),
  };
}

function positive(value: unknown, fallback: number): number {
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : fallback;
}

/**
 * `YYYY-MM-DD`, or an ISO 8601 instant with a zone. Upstream's naive timestamp with an empty
 * offset (`2024-06-01 10:00:00 `) is refused, as an ambiguous instant should be.
 */
function isDateOrTimestamp(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) || (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)));
}
