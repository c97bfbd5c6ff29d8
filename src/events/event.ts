/**
 * The one shape in which Laurel records every learning event, whatever its origin (HTTP API, Open
 * edX bus, imports). Rules read `data`; the learner is identified by (source, user.id).
 */
export interface EventUser {
  /** The learner's id in the source system (for Open edX: the LMS user id, as a string). */
  id: string;
  /**
   * Absent when the source does not say (the Open edX persistent grade summary has just a user id):
   * the learner's stored e-mail then stays as is, and awards wait until the learner has one.
   */
  email?: string;
  name?: string;
  username?: string;
}

export interface NormalizedEvent {
  /** Unique per source; (source, id) is the de-duplication key of the event log. */
  id: string;
  type: string;
  /** ISO 8601 instant at which the event happened at its source. */
  time: string;
  source: string;
  user: EventUser;
  data: Record<string, unknown>;
}
