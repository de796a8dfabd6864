// The HMAC of cache and limit keys on node:crypto: the same output as Web Crypto's, without a promise and a worker hop per call.
import { createHmac } from 'node:crypto';
import type { HasherFactory } from './privacy.js';

export const nodeHasher: HasherFactory = (secret) => {
  return async (...parts) => createHmac('sha256', secret).update(parts.join('\u0000')).digest('base64url');
};
