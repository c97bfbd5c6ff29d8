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

export interface ImagesTable {
  id: string;
  organization_id: string;
  content_type: 'image/png' | 'image/svg+xml';
  bytes: Buffer;
  sha256: string;
  created_at: Timestamp;
}

export interface IssuersTable {
  id: string;
  organization_id: string;
  did: string;
  name: string;
  url: string;
  email: string | null;
  description: string | null;
  image_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IssuerKeysTable {
  issuer_id: string;
  algorithm: 'Ed25519' | 'P-256';
  version: number;
  public_key: Json<Record<string, unknown>>;
  sealed_private_key: string;
  created_at: Timestamp;
  retired_at: NullableTimestamp;
}

export interface BadgeClassesTable {
  id: string;
  organization_id: string;
  issuer_id: string;
  current_version: Generated<number>;
  allow_multiple: boolean;
  archived_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  provider_connection_id: string | null;
  provider_template_id: string | null;
  own_credential: Generated<boolean>;
}

export type ExpiryPolicy = { kind: 'never' } | { kind: 'date'; date: string } | { kind: 'duration'; days: number };

export interface BadgeClassVersionsTable {
  badge_class_id: string;
  version: number;
  name: string;
  description: string;
  image_id: string;
  criteria_narrative: string | null;
  criteria_url: string | null;
  achievement_type: string;
  alignments: Json<Record<string, unknown>[]>;
  tags: string[];
  language: string | null;
  expiry: Json<ExpiryPolicy>;
  created_at: Timestamp;
}

export interface StatusListsTable {
  id: string;
  issuer_id: string;
  purpose: 'revocation';
  length: number;
  next_index: Generated<number>;
  set_indexes: Generated<number[]>;
  credential: ColumnType<{ version: number; document: Record<string, unknown> } | null, string | null | undefined, string | null>;
  credential_version: Generated<number>;
  updated_at: Timestamp;
}

export type AwardStatus = 'awarded' | 'revoked';

export interface AwardsTable {
  id: string;
  organization_id: string;
  badge_class_id: string;
  badge_class_version: number;
  issuer_id: string;
  recipient_email: string;
  recipient_name: string | null;
  recipient_did: string | null;
  recipient_external_id: string | null;
  recipient_salt: string;
  evidence: Json<Record<string, unknown>[]>;
  narrative: string | null;
  issued_on: Date;
  expires_on: Date | null;
  status: AwardStatus;
  revoked_at: NullableTimestamp;
  revocation_reason: string | null;
  exclusive: boolean;
  status_list_id: string;
  status_index: number;
  credential: Json<Record<string, unknown> | null> | null;
  notified_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BulkIssuesTable {
  id: string;
  organization_id: string;
  badge_class_id: string;
  total: number;
  done: Generated<number>;
  notify: Generated<boolean>;
  created_at: Timestamp;
  finished_at: NullableTimestamp;
}

export interface BulkIssueRowsTable {
  bulk_issue_id: string;
  row_number: number;
  input: Json<Record<string, unknown>>;
  outcome: ColumnType<'awarded' | 'already_held' | 'rejected' | null, undefined, 'awarded' | 'already_held' | 'rejected'>;
  award_id: ColumnType<string | null, undefined, string | null>;
  reason: ColumnType<string | null, undefined, string | null>;
}

export interface RuleSetsTable {
  badge_class_id: string;
  organization_id: string;
  active: Generated<boolean>;
  reaward_after_revoke: Generated<boolean>;
  revision: Generated<number>;
  updated_at: Timestamp;
}

/** Requirements and penalties: the rules model's definition without its id and event type. */
export interface RuleEntriesTable {
  id: string;
  badge_class_id: string;
  event_type: string;
  definition: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface LearnersTable {
  id: string;
  organization_id: string;
  source: string;
  external_id: string;
  email: string | null;
  name: string | null;
  username: string | null;
  last_event_at: Date;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LearningEventsTable {
  id: string;
  organization_id: string;
  source: string;
  external_id: string;
  type: string;
  time: Date;
  learner_id: string;
  event: Json<Record<string, unknown>>;
  received_at: Timestamp;
  caused_by: string | null;
  depth: Generated<number>;
  /** Set on an event decided as recorded because it concerns no active rule (migration 0011). */
  skipped_by_index: number | null;
}

export interface EventTypesTable {
  organization_id: string;
  type: string;
  description: string;
  schema: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface RejectedEventsTable {
  id: string;
  organization_id: string;
  stream: string;
  stream_entry_id: string;
  type: string | null;
  source: string | null;
  external_id: string | null;
  reason: string;
  received_at: Timestamp;
}

export interface LearnerBadgeStatesTable {
  learner_id: string;
  badge_class_id: string;
  organization_id: string;
  state: Json<Record<string, unknown>>;
  award_id: string | null;
  revision: Generated<number>;
  updated_at: Timestamp;
}

export interface RuleDecisionsTable {
  event_id: string;
  organization_id: string;
  learner_id: string;
  explanation: Json<Record<string, unknown>>;
  transitions: Json<Record<string, unknown>[]>;
  waiting: Generated<boolean>;
  created_at: Timestamp;
}

export type ProviderTemplateRowState = 'active' | 'archived' | 'draft' | 'deleted';

export interface ProviderConnectionsTable {
  id: string;
  organization_id: string;
  provider: 'credly' | 'accredible';
  name: string;
  settings: Json<Record<string, unknown>>;
  sealed_secrets: string;
  account_name: string | null;
  last_tested_at: NullableTimestamp;
  last_synced_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProviderTemplatesTable {
  id: string;
  connection_id: string;
  external_id: string;
  name: string;
  description: string | null;
  image_url: string | null;
  state: ProviderTemplateRowState;
  updated_at: Timestamp;
}

export type DeliveryState = 'queued' | 'created' | 'pending' | 'accepted' | 'rejected' | 'revoked' | 'expired' | 'error';

export interface AwardDeliveriesTable {
  award_id: string;
  organization_id: string;
  connection_id: string;
  template_id: string;
  external_id: string | null;
  state: DeliveryState;
  provider_state: string | null;
  url: string | null;
  error: string | null;
  attempts: Generated<number>;
  claimed_until: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
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
  images: ImagesTable;
  issuers: IssuersTable;
  issuer_keys: IssuerKeysTable;
  badge_classes: BadgeClassesTable;
  badge_class_versions: BadgeClassVersionsTable;
  status_lists: StatusListsTable;
  awards: AwardsTable;
  bulk_issues: BulkIssuesTable;
  bulk_issue_rows: BulkIssueRowsTable;
  rule_sets: RuleSetsTable;
  rule_requirements: RuleEntriesTable;
  rule_penalties: RuleEntriesTable;
  learners: LearnersTable;
  learning_events: LearningEventsTable;
  learner_badge_states: LearnerBadgeStatesTable;
  rule_decisions: RuleDecisionsTable;
  event_types: EventTypesTable;
  rejected_events: RejectedEventsTable;
  provider_connections: ProviderConnectionsTable;
  provider_templates: ProviderTemplatesTable;
  award_deliveries: AwardDeliveriesTable;
}
