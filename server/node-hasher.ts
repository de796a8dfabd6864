// The HMAC of cache and limit keys on node:crypto: the same output as Web Crypto's, without a promise and a worker hop per call.
import { createHmac, createSecretKey } from 'node:crypto';
import type { HasherFactory } from './privacy.js';

export const nodeHasher: HasherFactory = (secret) => {
  // The key is prepared once: handing createHmac the secret as a string would convert it again on every call.
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return async (...parts) => createHmac('sha256', key).update(parts.join('\u0000')).digest('base64url');
};
