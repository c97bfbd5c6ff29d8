import type { ColumnType, Generated } from 'kysely';

/** Timestamps read as Date; written as Date or left to the database default. */
type Timestamp = ColumnType<Date, Date | undefined, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;
/** jsonb columns are written as JSON text (both drivers accept it) and read back parsed. */
type Json<T> = ColumnType<T, string, string>;

export type Role = 'owner' | 'admin' | 'issuer' | 'viewer';
export type JobStatus = 'pending' | 'running' | 'done' | 'failed';

export interface OrganizationsTable {
  id: string;
  name: string;
  created_at: Timestamp;
}

export interface PeopleTable {
  id: string;
  email: string;
  name: string | null;
  password_hash: string;
  must_change_password: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MembershipsTable {
  organization_id: string;
  person_id: string;
  role: Role;
  created_at: Timestamp;
}

export interface SessionsTable {
  token_hash: string;
  person_id: string;
  organization_id: string;
  csrf_token: string;
  created_at: Timestamp;
  expires_at: Date;
}

export interface LoginFailuresTable {
  id: Generated<number>;
  subject: string;
  failed_at: Timestamp;
}

export interface ApiClientsTable {
  id: string;
  organization_id: string;
  name: string;
  scopes: string[];
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
}

export interface ApiClientSecretsTable {
  id: string;
  client_id: string;
  secret_hash: string;
  created_at: Timestamp;
  /** null while current; set on rotation (end of grace) or revocation. */
  expires_at: NullableTimestamp;
}

export interface AuditEventsTable {
  id: string;
  organization_id: string | null;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Json<Record<string, unknown>>;
  request_id: string | null;
  created_at: Timestamp;
}

export interface IdempotencyKeysTable {
  principal: string;
  key: string;
  request_hash: string;
  state: 'pending' | 'done';
  response_status: number | null;
  response_headers: Json<Record<string, string> | null> | null;
  response_body: string | null;
  created_at: Timestamp;
}

export interface JobsTable {
  id: string;
  organization_id: string | null;
  kind: string;
  payload: Json<unknown>;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_at: Timestamp;
  locked_by: string | null;
  locked_until: NullableTimestamp;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: NullableTimestamp;
}

export interface WorkersTable {
  id: string;
  hostname: string;
  pid: number;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
}

export interface Database {
  organizations: OrganizationsTable;
  people: PeopleTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  api_clients: ApiClientsTable;
  api_client_secrets: ApiClientSecretsTable;
  audit_events: AuditEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  jobs: JobsTable;
  workers: WorkersTable;
}
