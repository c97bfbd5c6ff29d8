import type { AwardService } from '../awards/service.js';
import type { Db } from '../db/database.js';
import type { EventTypeRegistry } from '../events/registry.js';
import type { Api } from '../http/schemas.js';
import type { JobHandler } from '../jobs/worker.js';
import type { Clock } from '../kernel/clock.js';
import { registerEventRoutes } from './event-routes.js';
import { EventIngestion, processEventsJob, type ProcessEventsPayload } from './ingestion.js';
import { AutomationInsight } from './insight.js';
import { EventProcessor, type DecisionObserver, type TransitionListener } from './processor.js';
import { RuleIndexCache } from './rule-index-cache.js';
import { registerRuleRoutes } from './rule-routes.js';
import { RuleSetService } from './rule-set-service.js';

/** Automatic awarding: rule sets on badge classes, the event log, learners and decisions. */
export interface Automation {
  ruleSets: RuleSetService;
  ingestion: EventIngestion;
  insight: AutomationInsight;
  processor: EventProcessor;
  jobHandlers: Record<string, JobHandler>;
}

export function createAutomation(options: {
  db: Db;
  clock: Clock;
  registry: EventTypeRegistry;
  awards: AwardService;
  observer?: DecisionObserver;
  onTransition?: TransitionListener;
}): Automation {
  const { db, clock, registry, awards, observer, onTransition } = options;
  const rules = new RuleIndexCache(registry);
  const processor = new EventProcessor({ db, awards, rules, observer, onTransition });
  return {
    ruleSets: new RuleSetService({ db, clock, registry }),
    ingestion: new EventIngestion({ db, registry }),
    insight: new AutomationInsight({ db, rules }),
    processor,
    jobHandlers: { [processEventsJob]: (job) => processor.process(job.payload as ProcessEventsPayload) },
  };
}

export function registerAutomationRoutes(app: Api, automation: Automation, options: { wakeWorkers: () => void }): void {
  registerRuleRoutes(app, automation.ruleSets);
  registerEventRoutes(app, { ingestion: automation.ingestion, insight: automation.insight, wakeWorkers: options.wakeWorkers });
}
