// The Node hasher must agree with the Web Crypto one: instances on different runtimes share cache and limit keys.
import { describe, expect, it } from 'vitest';
import { nodeHasher } from '../../server/node-hasher.js';
import { createHasher } from '../../server/privacy.js';

describe('hashers', () => {
  it('give the same HMAC on node:crypto and on Web Crypto', async () => {
    const secret = 'a-hash-secret-of-at-least-32-characters';
    for (const parts of [['13800138000', '张三'], ['19212345678', '买买提·艾力'], ['15912345678', '𠮷祥'], ['']]) {
      const web = await createHasher(secret)(...parts);
      expect(await nodeHasher(secret)(...parts)).toBe(web);
      expect(web).toMatch(/^[\w-]{43}$/);
    }
  });

  it('depend on the secret', async () => {
    expect(await nodeHasher('x'.repeat(32))('a')).not.toBe(await nodeHasher('y'.repeat(32))('a'));
  });
});
