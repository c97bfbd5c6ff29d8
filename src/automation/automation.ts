import type { AwardService } from '../awards/service.js';
import type { Db } from '../db/database.js';
import type { EventTypeRegistry } from '../events/registry.js';
import type { Api } from '../http/schemas.js';
import type { JobHandler } from '../jobs/worker.js';
import type { Clock } from '../kernel/clock.js';
import { registerEventRoutes } from './event-routes.js';
import { EventTypeRegistries } from './event-type-registries.js';
import { registerEventTypeRoutes } from './event-type-routes.js';
import { EventTypeService } from './event-type-service.js';
import { EventIngestion } from './ingestion.js';
import { processEventsJob, type ProcessEventsPayload } from './process-events-job.js';
import { AutomationInsight } from './insight.js';
import { EventProcessor, type DecisionObserver, type TransitionListener } from './processor.js';
import { RuleIndexCache } from './rule-index-cache.js';
import { registerRuleRoutes } from './rule-routes.js';
import { RuleSetService } from './rule-set-service.js';

/** Automatic awarding: rule sets on badge classes, event types, the event log, learners and decisions. */
export interface Automation {
  ruleSets: RuleSetService;
  eventTypes: EventTypeService;
  ingestion: EventIngestion;
  insight: AutomationInsight;
  processor: EventProcessor;
  /** Compiled rule indexes per organisation, shared by everything that decides events. */
  rules: RuleIndexCache;
  jobHandlers: Record<string, JobHandler>;
}

export function createAutomation(options: {
  db: Db;
  clock: Clock;
  /** The built-in event types; each organisation adds the ones it registers. */
  registry: EventTypeRegistry;
  awards: AwardService;
  observer?: DecisionObserver;
  onTransition?: TransitionListener;
}): Automation {
  const { db, clock, awards, observer, onTransition } = options;
  const registries = new EventTypeRegistries(options.registry);
  const rules = new RuleIndexCache(registries);
  const processor = new EventProcessor({ db, awards, rules, observer, onTransition });
  return {
    ruleSets: new RuleSetService({ db, clock, registries }),
    eventTypes: new EventTypeService({ db, registries }),
    ingestion: new EventIngestion({ db, registries, rules, observer }),
    insight: new AutomationInsight({ db, rules }),
    processor,
    rules,
    jobHandlers: { [processEventsJob]: (job) => processor.process(job.payload as ProcessEventsPayload) },
  };
}

export function registerAutomationRoutes(app: Api, automation: Automation, options: { wakeWorkers: () => void }): void {
  registerRuleRoutes(app, automation.ruleSets);
  registerEventTypeRoutes(app, automation.eventTypes);
  registerEventRoutes(app, { ingestion: automation.ingestion, insight: automation.insight, wakeWorkers: options.wakeWorkers });
}
