import { AppError } from '../../kernel/errors.js';
import { ProviderCredentialsError, ProviderRejectedError, ProviderRetryLaterError, ProviderUnavailableError } from '../errors.js';

/**
 * A provider failure during a request made on a user's behalf (not in a job): refused credentials
 * or a refused request are the user's to fix (422), an unreachable provider is not Laurel's fault
 * either (503). The messages are the classified ones, already masked, so they are safe to show.
 */
export function providerFailureAsAppError(error: unknown): unknown {
  if (error instanceof ProviderCredentialsError || error instanceof ProviderRejectedError) return new AppError('unprocessable', error.message);
  if (error instanceof ProviderUnavailableError || error instanceof ProviderRetryLaterError) return new AppError('unavailable', error.message);
  return error;
}
