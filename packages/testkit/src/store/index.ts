/** `@safehold/testkit/store`: helpers of the offline store's specs. */
import { fileURLToPath } from 'node:url';

/** The child process the crash spec kills mid-apply (./crash-child.ts, compiled). */
export const CRASH_CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
