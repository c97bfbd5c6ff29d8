import { describe, expect, it } from 'vitest';
import { PermanentJobError, RetryLaterError } from '../jobs/errors.js';
import { classifyResponse, maskSecrets, parseRetryAfter, ProviderCredentialsError, ProviderRejectedError, ProviderUnavailableError } from './errors.js';

const now = new Date('2024-06-01T10:00:00Z');
const context = { provider: 'credly' as const, operation: 'POST /v1/organizations/o/badges', secrets: ['s3cr3t-token'], now };

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sat, 01 Jun 2024 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 01 Jun 2024 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('classifyResponse', () => {
  const classify = (status: number, retryAfter: string | null = null, providerMessage?: string) => classifyResponse({ status, retryAfter, providerMessage }, context);

  it('retries rate limits and outages, after Retry-After when given', () => {
    expect(classify(429, '5')).toBeInstanceOf(RetryLaterError);
    expect(classify(503, '5')).toMatchObject({ delayMs: 5000 });
    expect(classify(429)).toBeInstanceOf(ProviderUnavailableError);
    expect(classify(502)).toBeInstanceOf(ProviderUnavailableError);
    expect(classify(502)).not.toBeInstanceOf(PermanentJobError);
  });

  it('stops at once on credentials and refusals, keeping what the provider said', () => {
    expect(classify(401)).toBeInstanceOf(ProviderCredentialsError);
    expect(classify(403)).toBeInstanceOf(PermanentJobError);
    const refused = classify(422, null, 'recipient_email is invalid');
    expect(refused).toBeInstanceOf(ProviderRejectedError);
    expect(refused.message).toBe('Credly refused POST /v1/organizations/o/badges (HTTP 422): recipient_email is invalid');
  });

  it('masks secrets the provider echoes back', () => {
    expect(classify(422, null, 'bad token s3cr3t-token').message).toContain('bad token [redacted]');
    expect(maskSecrets('x'.repeat(600), [])).toHaveLength(501);
  });
});
