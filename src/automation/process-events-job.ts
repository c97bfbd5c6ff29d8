/**
 * The job that evaluates recorded events against the organisation's active rules: every event
 * is either decided where it is recorded or listed in one of these, in the same transaction.
 */
export const processEventsJob = 'events.process';

export interface ProcessEventsPayload {
  eventIds: string[];
}

/** The payload field listing the events, for queries that read queued jobs. */
export const processEventsIdsField: keyof ProcessEventsPayload = 'eventIds';
