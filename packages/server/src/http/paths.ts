/** The path prefix of every API route: `/v1` (API_VERSION, shared with the SDK's client). */
import { API_VERSION } from '@safehold/protocol';

export const V1 = `/${API_VERSION}`;
