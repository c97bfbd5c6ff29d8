/**
 * Credly's webhook notifications: a bare `{id, organization_id, event_type, occurred_at}` POSTed to
 * the configured URL, repeated while the receiver answers anything but 2xx (Credly keeps trying
 * for days with growing intervals; the fake uses the short delays a test gives it).
 */
import type { FakeCredlyEvent } from './state.js';

export interface WebhookDelivery {
  eventId: string;
  attempt: number;
  /** The receiver's status, or the network error that stood in for one. */
  outcome: number | string;
}

export interface WebhookSettings {
  url: string;
  /** Delay before each retry; its length bounds the retries. */
  retryDelaysMs: number[];
  timeoutMs: number;
}

export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  #settings: WebhookSettings | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  configure(settings: Partial<WebhookSettings> & { url: string }): void {
    this.#settings = { retryDelaysMs: [20, 40, 80], timeoutMs: 2_000, ...settings };
  }

  notify(event: FakeCredlyEvent): void {
    const settings = this.#settings;
    if (!settings) return;
    const delivery = this.#deliver(event, settings).finally(() => this.#inFlight.delete(delivery));
    this.#inFlight.add(delivery);
  }

  /** Resolves once every notification sent so far has been delivered or given up. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async #deliver(event: FakeCredlyEvent, settings: WebhookSettings): Promise<void> {
    const body = JSON.stringify({ id: event.id, organization_id: event.organizationId, event_type: event.eventType, occurred_at: event.occurredAt });
    for (let attempt = 1; ; attempt++) {
      const outcome = await post(settings.url, body, settings.timeoutMs);
      this.deliveries.push({ eventId: event.id, attempt, outcome });
      const delay = settings.retryDelaysMs[attempt - 1];
      if ((typeof outcome === 'number' && outcome >= 200 && outcome < 300) || delay === undefined) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function post(url: string, body: string, timeoutMs: number): Promise<number | string> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return error instanceof Error ? error.name : 'error';
  }
}
