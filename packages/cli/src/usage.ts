/** Usage errors (exit 2) raised by the CLI's own argument checks. */
import { SafeholdError } from '@safehold/protocol';

/** A usage error: exit 2. */
export function usage(message: string): SafeholdError {
  return new SafeholdError('bad_request', message);
}
