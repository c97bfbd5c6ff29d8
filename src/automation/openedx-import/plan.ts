import { openedxEventType } from '../../events/openedx/event-types.js';
import type { EventTypeRegistry } from '../../events/registry.js';
import { requirementErrors, type DataRule, type LearnerBadgeState } from '../../rules/index.js';
import type { PenaltyInput, RuleSetDefinition } from '../rule-set-service.js';
import { mapDataRule } from './data-rules.js';
import { byPrimaryKey, field, recordName, type DumpRecord, type Dumpdata, type Fields } from './dumpdata.js';

/**
 * Turns an Open edX Credentials `badges` export into what Laurel will create: badge classes with
 * their rule sets, learners with their rule states, and every record left out with the reason.
 * Pure: the same export and event types always give the same plan.
 */

const models = {
  credlyOrganization: 'badges.credlyorganization',
  accredibleConfig: 'badges.accredibleapiconfig',
  template: 'badges.badgetemplate',
  credlyTemplate: 'badges.credlybadgetemplate',
  accredibleGroup: 'badges.accrediblegroup',
  requirement: 'badges.badgerequirement',
  dataRule: 'badges.datarule',
  penalty: 'badges.badgepenalty',
  penaltyRule: 'badges.penaltydatarule',
  progress: 'badges.badgeprogress',
  fulfillment: 'badges.fulfillment',
  credlyBadge: 'badges.credlybadge',
  accredibleBadge: 'badges.accrediblebadge',
  userCredential: 'credentials.usercredential',
  user: 'core.user',
} as const;

const knownModels = new Set<string>(Object.values(models));

export type TemplateOrigin = 'credly' | 'accredible' | 'openedx';

/** An upstream template as its provider knows it: what an operator needs to link the badge class. */
export interface TemplateIdentity {
  /** The BadgeTemplate primary key (for Accredible also the group id). */
  upstreamId: string;
  origin: TemplateOrigin;
  uuid: string | null;
  /** The provider's id: the Credly badge template id (the uuid) or the Accredible group id. */
  providerTemplateId: string;
  /** The Credly organisation (uuid and name) or Accredible API configuration it belongs to. */
  providerAccount: string | null;
  name: string;
}

export interface PlannedTemplate extends TemplateIdentity, RuleSetDefinition {
  /** Stable for one provider template across exports: how a later import recognises it. */
  marker: string;
  description: string;
  criteria: string;
  /** Why the rule set stays inactive or what else an operator should know. */
  notes: string[];
}

export interface SkippedTemplate extends TemplateIdentity {
  reason: string;
}

export interface PlannedState {
  templateId: string;
  /** Upstream requirement ids (the keys of the template's planned requirements). */
  fulfilled: string[];
  status: LearnerBadgeState['status'];
}

export interface PlannedLearner {
  username: string;
  /** The LMS user id: what events on the bus identify the learner by. */
  externalId: string;
  /** Absent when the user has none: the learner gets one from their next event that names it. */
  email?: string;
  name?: string;
  /** When Open edX Credentials first knew the user: older than any event Laurel will receive. */
  knownSince: Date;
  states: PlannedState[];
}

/** A record left out, named like `badges.datarule 12`, with why. */
export interface Finding {
  record: string;
  reason: string;
}

export interface ModelCount {
  model: string;
  records: number;
}

export interface ImportPlan {
  templates: PlannedTemplate[];
  skippedTemplates: SkippedTemplate[];
  learners: PlannedLearner[];
  skipped: Finding[];
  /** Known models that are deliberately not imported. */
  notImported: (ModelCount & { reason: string })[];
  unknownModels: ModelCount[];
}

/** Groups records by the foreign key `name`; records whose key is missing or unknown are returned apart. */
function groupBy(records: readonly DumpRecord[], name: string, known: ReadonlySet<string>): { groups: Map<string, DumpRecord[]>; orphans: DumpRecord[] } {
  const groups = new Map<string, DumpRecord[]>();
  const orphans: DumpRecord[] = [];
  for (const record of [...records].sort(byPrimaryKey)) {
    const key = field.ref(record.fields, name);
    if (key === undefined || !known.has(key)) {
      orphans.push(record);
      continue;
    }
    const list = groups.get(key) ?? [];
    list.push(record);
    groups.set(key, list);
  }
  return { groups, orphans };
}

const byPk = (records: readonly DumpRecord[]) => new Map(records.map((record) => [record.pk, record]));

/** Upstream requirements sharing a `blend` value are alternatives; `null` is one group of its own. */
function blendOf(fields: Fields): string | null {
  return field.text(fields, 'blend') ?? field.text(fields, 'group') ?? null;
}

/** Laurel group names for upstream blends: kept as they are, with `null` and "" given names no blend uses. */
function groupNamer(blends: readonly (string | null)[]): (blend: string | null) => string {
  const taken = new Set(blends.filter((b): b is string => b !== null && b !== ''));
  const named = new Map<string | null, string>();
  const fresh = (base: string) => {
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base} ${n}`;
    taken.add(name);
    return name;
  };
  return (blend) => {
    if (blend !== null && blend !== '') return blend;
    let name = named.get(blend);
    if (name === undefined) {
      name = fresh(blend === null ? 'ungrouped' : 'blank');
      named.set(blend, name);
    }
    return name;
  };
}

function describeRules(rules: readonly DataRule[]): string {
  return rules.map((rule) => `${rule.path} ${rule.op === 'eq' ? '=' : '≠'} ${String(rule.value)}`).join(' and ');
}

/** The criteria narrative: one line per group, its requirements as alternatives. */
function criteriaOf(requirements: RuleSetDefinition['requirements']): string {
  if (requirements.length === 0) return 'The requirements of this badge are yet to be defined.';
  const groups = new Map<string, string[]>();
  for (const requirement of requirements) {
    const text = requirement.description ?? `${requirement.eventType} with ${describeRules(requirement.rules)}`;
    const group = requirement.group ?? requirement.key;
    groups.set(group, [...(groups.get(group) ?? []), text]);
  }
  const lines = [...groups.values()].map((alternatives) => `- ${alternatives.join(' **or** ')}`);
  return `Earned when each of the following is met:\n\n${lines.join('\n')}`;
}

class PlanBuilder {
  readonly skipped: Finding[] = [];
  readonly templates: PlannedTemplate[] = [];
  readonly skippedTemplates: SkippedTemplate[] = [];
  /** Upstream requirement id → its template id, for every requirement in the export. */
  readonly requirementTemplate = new Map<string, string>();
  /** Planned requirement keys per planned template. */
  readonly plannedRequirements = new Map<string, Set<string>>();

  constructor(
    private readonly dump: Dumpdata,
    private readonly registry: EventTypeRegistry,
  ) {}

  records(model: string): readonly DumpRecord[] {
    return this.dump.byModel.get(model) ?? [];
  }

  skip(record: Pick<DumpRecord, 'model' | 'pk'> | string, reason: string): void {
    this.skipped.push({ record: typeof record === 'string' ? record : recordName(record), reason });
  }

  /** Parent `badgetemplate` rows merged with their Credly/Accredible child rows (multi-table inheritance). */
  templateRecords(): { pk: string; fields: Fields; origin: TemplateOrigin }[] {
    const parents = byPk(this.records(models.template));
    const credly = byPk(this.records(models.credlyTemplate));
    const accredible = byPk(this.records(models.accredibleGroup));
    const pks = [...new Set([...parents.keys(), ...credly.keys(), ...accredible.keys()])];
    return pks.map((pk) => {
      const child = credly.get(pk) ?? accredible.get(pk);
      const fields = { ...parents.get(pk)?.fields, ...child?.fields };
      const declared = field.text(fields, 'origin');
      const origin: TemplateOrigin = credly.has(pk) ? 'credly' : accredible.has(pk) ? 'accredible' : declared === 'credly' || declared === 'accredible' ? declared : 'openedx';
      return { pk, fields, origin };
    });
  }

  identityOf(pk: string, fields: Fields, origin: TemplateOrigin): TemplateIdentity {
    const uuid = field.nonEmpty(fields, 'uuid') ?? null;
    let providerAccount: string | null = null;
    if (origin === 'credly') {
      const organization = this.records(models.credlyOrganization).find((o) => o.pk === field.ref(fields, 'organization'));
      const orgUuid = organization && field.nonEmpty(organization.fields, 'uuid');
      const orgName = organization && field.nonEmpty(organization.fields, 'name');
      providerAccount = orgUuid ? `Credly organisation ${orgUuid}${orgName ? ` (${orgName})` : ''}` : null;
    } else if (origin === 'accredible') {
      const configId = field.ref(fields, 'api_config');
      const config = this.records(models.accredibleConfig).find((c) => c.pk === configId);
      const configName = config && field.nonEmpty(config.fields, 'name');
      providerAccount = configId ? `Accredible API configuration ${configId}${configName ? ` (${configName})` : ''}` : null;
    }
    // Accredible's group id is the template's primary key; its uuid is a random local value.
    const providerTemplateId = origin === 'accredible' ? pk : (uuid ?? pk);
    return { upstreamId: pk, origin, uuid, providerTemplateId, providerAccount, name: field.nonEmpty(fields, 'name') ?? '' };
  }

  /** The requirement's rules, or why it is left out; `lossy` when leaving it out changes what awards. */
  planRequirement(record: DumpRecord, rules: readonly DumpRecord[], group: string): { requirement: RuleSetDefinition['requirements'][number] } | { lossy: boolean } {
    const eventType = field.nonEmpty(record.fields, 'event_type');
    if (eventType === undefined) {
      this.skip(record, 'has no event_type');
      return { lossy: true };
    }
    if (rules.length === 0) {
      this.skip(record, 'has no data rules: Open edX never fulfils such a requirement (Laurel would on every event), so it is left out');
      return { lossy: false };
    }
    const mapped = this.mapRules(record, rules, eventType);
    if (!mapped) return { lossy: true };
    const description = field.nonEmpty(record.fields, 'description');
    const requirement = { key: record.pk, eventType, group, rules: mapped, ...(description !== undefined && { description }) };
    const errors = requirementErrors({ id: record.pk, ...requirement }, this.registry);
    if (errors.length > 0) {
      this.skip(record, `left out: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
      return { lossy: true };
    }
    return { requirement };
  }

  /** All rules of a requirement or penalty mapped, or undefined (each failure reported) when one cannot be. */
  mapRules(owner: DumpRecord, rules: readonly DumpRecord[], eventType: string): DataRule[] | undefined {
    const catalog = this.registry.resolve(eventType).keyPaths;
    const mapped: DataRule[] = [];
    const failed: string[] = [];
    for (const rule of rules) {
      const result = mapDataRule(rule.fields, eventType, catalog);
      if ('rule' in result) mapped.push(result.rule);
      else {
        this.skip(rule, result.problem);
        failed.push(rule.pk);
      }
    }
    if (failed.length === 0) return mapped;
    this.skip(owner, `left out: its data rule${failed.length > 1 ? 's' : ''} ${failed.join(', ')} cannot be imported`);
    return undefined;
  }

  /** The penalty, if it can be imported; `lossy` when what is left out changes what it does. */
  planPenalty(record: DumpRecord, rules: readonly DumpRecord[], templateId: string, planned: ReadonlySet<string>): { penalty?: PenaltyInput; lossy: boolean } {
    const eventType = field.nonEmpty(record.fields, 'event_type');
    if (eventType === undefined) {
      this.skip(record, 'has no event_type');
      return { lossy: true };
    }
    if (rules.length === 0) {
      this.skip(record, 'has no data rules: Open edX never applies such a penalty, so it is left out');
      return { lossy: false };
    }
    let lossy = false;
    const requirementIds: string[] = [];
    for (const id of field.refs(record.fields, 'requirements')) {
      const owner = this.requirementTemplate.get(id);
      if (owner === undefined) this.skip(record, `links requirement ${id}, which is not in the export; that link is left out`);
      else if (owner !== templateId) {
        this.skip(record, `links requirement ${id} of template ${owner}; Laurel penalties reset their own badge class only, so that link is left out`);
        lossy = true;
      } else if (planned.has(id)) requirementIds.push(id);
    }
    if (requirementIds.length === 0) {
      this.skip(record, 'resets no imported requirement of its template, so it is left out');
      return { lossy };
    }
    const mapped = this.mapRules(record, rules, eventType);
    if (!mapped) return { lossy: true };
    const description = field.nonEmpty(record.fields, 'description');
    return { penalty: { eventType, rules: mapped, requirementIds, ...(description !== undefined && { description }) }, lossy };
  }

  planTemplate(identity: TemplateIdentity, fields: Fields, requirementRecords: readonly DumpRecord[], penaltyRecords: readonly DumpRecord[], rulesOf: (model: string, pk: string) => DumpRecord[]): void {
    let skipReason: string | undefined;
    if (!identity.name) skipReason = 'has no name (export badges.badgetemplate together with its Credly/Accredible rows)';
    else if (identity.origin === 'credly' && identity.uuid === null) skipReason = 'has no uuid, the Credly badge template id';
    else if (requirementRecords.length === 0) skipReason = 'has no requirements: nothing would ever award it';
    if (skipReason !== undefined) {
      this.skippedTemplates.push({ ...identity, reason: skipReason });
      return;
    }

    const notes: string[] = [];
    const blockers: string[] = [];
    const nameOf = groupNamer(requirementRecords.map((r) => blendOf(r.fields)));
    const requirements: RuleSetDefinition['requirements'] = [];
    const groupOutcome = new Map<string, { imported: boolean; lossy: boolean }>();
    for (const record of requirementRecords) {
      const group = nameOf(blendOf(record.fields));
      const outcome = this.planRequirement(record, rulesOf(models.dataRule, record.pk), group);
      const seen = groupOutcome.get(group) ?? { imported: false, lossy: false };
      if ('requirement' in outcome) {
        requirements.push(outcome.requirement);
        seen.imported = true;
        if (!openedxEventType(outcome.requirement.eventType)) notes.push(`${outcome.requirement.eventType} is not an Open edX event type Laurel reads from the bus; such events must come through the HTTP API`);
      } else seen.lossy ||= outcome.lossy;
      groupOutcome.set(group, seen);
    }
    if ([...groupOutcome.values()].some((g) => g.lossy)) blockers.push('some of its requirements could not be imported');
    for (const [group, outcome] of groupOutcome) {
      if (!outcome.imported && !outcome.lossy) blockers.push(`group "${group}" can never be fulfilled in Open edX (none of its requirements has data rules)`);
    }
    const planned = new Set(requirements.map((r) => r.key));
    this.plannedRequirements.set(identity.upstreamId, planned);

    const penalties: PenaltyInput[] = [];
    let penaltyLost = false;
    for (const record of penaltyRecords) {
      const { penalty, lossy } = this.planPenalty(record, rulesOf(models.penaltyRule, record.pk), identity.upstreamId, planned);
      if (penalty) penalties.push(penalty);
      penaltyLost ||= lossy;
    }
    if (penaltyLost) blockers.push('some of its penalties could not be imported as they are');

    const upstreamActive = field.bool(fields, 'is_active') ?? false;
    const state = field.nonEmpty(fields, 'state');
    if (state !== undefined && state !== 'active') blockers.push(`its ${identity.origin} state is "${state}"`);
    if (requirements.length === 0) blockers.push('none of its requirements could be imported');
    if (!upstreamActive) notes.push('inactive in Open edX, so its rules are not activated');
    else if (blockers.length > 0) notes.push(`active in Open edX but its rules are left inactive: ${blockers.join('; ')}`);
    if (identity.origin === 'openedx') notes.push('Open edX Credentials issues nothing for templates without a provider; Laurel will issue its own credentials');

    this.templates.push({
      ...identity,
      marker: `openedx-import:${identity.origin}:${identity.providerTemplateId}`,
      description: field.nonEmpty(fields, 'description') ?? identity.name,
      criteria: criteriaOf(requirements),
      requirements,
      penalties,
      active: upstreamActive && blockers.length === 0,
      notes: [...new Set(notes)],
    });
  }

  planTemplates(): void {
    const templates = this.templateRecords();
    const templateIds = new Set(templates.map((t) => t.pk));
    const requirements = groupBy(this.records(models.requirement), 'template', templateIds);
    for (const [templateId, list] of requirements.groups) for (const record of list) this.requirementTemplate.set(record.pk, templateId);
    for (const orphan of requirements.orphans) this.skip(orphan, `its template ${field.ref(orphan.fields, 'template') ?? '(none)'} is not in the export`);
    const penalties = groupBy(this.records(models.penalty), 'template', templateIds);
    for (const orphan of penalties.orphans) this.skip(orphan, `its template ${field.ref(orphan.fields, 'template') ?? '(none)'} is not in the export`);
    const rules = {
      [models.dataRule]: groupBy(this.records(models.dataRule), 'requirement', new Set(this.records(models.requirement).map((r) => r.pk))),
      [models.penaltyRule]: groupBy(this.records(models.penaltyRule), 'penalty', new Set(this.records(models.penalty).map((p) => p.pk))),
    };
    for (const orphan of rules[models.dataRule].orphans) this.skip(orphan, `its requirement ${field.ref(orphan.fields, 'requirement') ?? '(none)'} is not in the export`);
    for (const orphan of rules[models.penaltyRule].orphans) this.skip(orphan, `its penalty ${field.ref(orphan.fields, 'penalty') ?? '(none)'} is not in the export`);
    const rulesOf = (model: string, pk: string) => (model === models.dataRule ? rules[models.dataRule] : rules[models.penaltyRule]).groups.get(pk) ?? [];

    for (const { pk, fields, origin } of templates) {
      this.planTemplate(this.identityOf(pk, fields, origin), fields, requirements.groups.get(pk) ?? [], penalties.groups.get(pk) ?? [], rulesOf);
    }
  }

  /** Progress, fulfilments and issued badges folded into one state per username and template. */
  collectStates(): Map<string, Map<string, { fulfilled: Set<string>; status: PlannedState['status'] }>> {
    const states = new Map<string, Map<string, { fulfilled: Set<string>; status: PlannedState['status'] }>>();
    const stateOf = (username: string, templateId: string) => {
      const byTemplate = states.get(username) ?? new Map();
      states.set(username, byTemplate);
      const state = byTemplate.get(templateId) ?? { fulfilled: new Set<string>(), status: 'none' };
      byTemplate.set(templateId, state);
      return state;
    };
    const templateProblem = (templateId: string | undefined) => {
      if (templateId === undefined) return 'its template was deleted in Open edX';
      if (this.plannedRequirements.has(templateId)) return undefined;
      return this.skippedTemplates.some((t) => t.upstreamId === templateId) ? `its template ${templateId} is not imported` : `its template ${templateId} is not in the export`;
    };

    const progress = new Map<string, { username: string; templateId: string }>();
    const progressRecords = this.records(models.progress);
    for (const record of progressRecords) {
      const username = field.nonEmpty(record.fields, 'username');
      const templateId = field.ref(record.fields, 'template');
      const problem = username === undefined ? 'has no username' : templateProblem(templateId);
      if (problem) this.skip(record, problem);
      else progress.set(record.pk, { username: username!, templateId: templateId! });
    }
    const progressIds = new Set(progressRecords.map((r) => r.pk));
    for (const record of this.records(models.fulfillment)) {
      const progressId = field.ref(record.fields, 'progress');
      const requirementId = field.ref(record.fields, 'requirement');
      const owner = progressId === undefined ? undefined : progress.get(progressId);
      if (!owner) {
        // Progress that is in the export but left out has been reported already.
        if (progressId === undefined || !progressIds.has(progressId)) this.skip(record, `its progress ${progressId ?? '(none)'} is not in the export`);
        continue;
      }
      let problem: string | undefined;
      if (requirementId === undefined) problem = 'its requirement was deleted in Open edX, where it no longer counts';
      else if (this.requirementTemplate.get(requirementId) !== owner.templateId) problem = `requirement ${requirementId} is not a requirement of template ${owner.templateId}`;
      else if (!this.plannedRequirements.get(owner.templateId)?.has(requirementId)) problem = `requirement ${requirementId} is not imported`;
      if (problem) this.skip(record, problem);
      else stateOf(owner.username, owner.templateId).fulfilled.add(requirementId!);
    }

    const userCredentials = byPk(this.records(models.userCredential));
    for (const model of [models.credlyBadge, models.accredibleBadge]) {
      for (const record of this.records(model)) {
        const fields = { ...userCredentials.get(record.pk)?.fields, ...record.fields };
        const username = field.nonEmpty(fields, 'username');
        const templateId = field.ref(fields, 'credential_id');
        if (username === undefined || templateId === undefined) {
          this.skip(record, `its ${models.userCredential} row (username, template) is not in the export`);
          continue;
        }
        const problem = templateProblem(templateId);
        if (problem) this.skip(record, problem);
        else stateOf(username, templateId).status = field.text(fields, 'status') === 'revoked' ? 'revoked' : 'awarded';
      }
    }
    return states;
  }

  planLearners(): PlannedLearner[] {
    const users = new Map(this.records(models.user).map((u) => [field.text(u.fields, 'username'), u]));
    const learners: PlannedLearner[] = [];
    for (const [username, byTemplate] of this.collectStates()) {
      // Orphaned progress rows without fulfilments say nothing a fresh state does not.
      const states = [...byTemplate]
        .filter(([, s]) => s.fulfilled.size > 0 || s.status !== 'none')
        .map(([templateId, s]) => ({ templateId, fulfilled: [...s.fulfilled], status: s.status }));
      if (states.length === 0) continue;
      const user = users.get(username);
      const subject = `progress of ${username}`;
      if (!user) {
        this.skip(subject, `user ${username} is not in the export (dump core.user too): Laurel identifies learners by their LMS user id`);
        continue;
      }
      const externalId = field.ref(user.fields, 'lms_user_id');
      const email = field.nonEmpty(user.fields, 'email');
      if (externalId === undefined) this.skip(subject, `user ${username} has no lms_user_id, which events identify learners by`);
      else {
        const fullName = field.nonEmpty(user.fields, 'full_name') ?? [field.nonEmpty(user.fields, 'first_name'), field.nonEmpty(user.fields, 'last_name')].filter(Boolean).join(' ');
        learners.push({
          username,
          externalId,
          ...(email !== undefined && { email }),
          ...(fullName && { name: fullName }),
          knownSince: field.date(user.fields, 'date_joined') ?? new Date(0),
          states,
        });
      }
    }
    return learners;
  }

  notImported(): ImportPlan['notImported'] {
    const badgeCredentials = new Set([...this.records(models.credlyBadge), ...this.records(models.accredibleBadge)].map((r) => r.pk));
    const entries = [
      { model: models.credlyOrganization, records: this.records(models.credlyOrganization).length, reason: 'Credly API keys are not imported: create a Credly connection and link each badge class to its template' },
      { model: models.accredibleConfig, records: this.records(models.accredibleConfig).length, reason: 'Accredible API keys are not imported: create an Accredible connection and link each badge class to its group' },
      {
        model: models.credlyBadge,
        records: this.records(models.credlyBadge).length,
        reason: 'issued badges stay at Credly and are not re-issued as Laurel credentials; their holders are marked as awarded, so the rules do not award them again',
      },
      {
        model: models.accredibleBadge,
        records: this.records(models.accredibleBadge).length,
        reason: 'issued credentials stay at Accredible and are not re-issued as Laurel credentials; their holders are marked as awarded, so the rules do not award them again',
      },
      {
        model: models.userCredential,
        records: this.records(models.userCredential).filter((r) => !badgeCredentials.has(r.pk)).length,
        reason: 'course and program certificates are not badges',
      },
    ];
    return entries.filter((entry) => entry.records > 0);
  }

  build(): ImportPlan {
    this.dump.malformed.forEach(({ index, reason }) => this.skip(`entry #${index}`, reason));
    this.planTemplates();
    const learners = this.planLearners();
    const unknownModels = [...this.dump.byModel].filter(([model]) => !knownModels.has(model)).map(([model, records]) => ({ model, records: records.length }));
    return { templates: this.templates, skippedTemplates: this.skippedTemplates, learners, skipped: this.skipped, notImported: this.notImported(), unknownModels };
  }
}

export function planImport(dump: Dumpdata, registry: EventTypeRegistry): ImportPlan {
  return new PlanBuilder(dump, registry).build();
}
