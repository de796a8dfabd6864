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

  it('agree for long keys, long messages and one hasher reused across lengths', async () => {
    // A key past SHA-256's 64-byte block is hashed first; messages past the hasher's first buffer make it grow.
    for (const secret of ['k'.repeat(64), 'k'.repeat(65), '密钥'.repeat(40)]) {
      const node = nodeHasher(secret);
      const web = createHasher(secret);
      // Longest first, then shorter: a reused buffer must not leak the tail of an earlier message.
      const messages = [['名'.repeat(200)], ['x'.repeat(255)], ['x'.repeat(256)], ['x'.repeat(257)], ['名'.repeat(85)], ['x'.repeat(253) + '𠮷'], ['13800138000', '张三'], ['a'], ['名'.repeat(900)], ['b']];
      for (const parts of messages) expect(node(...parts)).toBe(await web(...parts));
    }
  });

  it('answer at once on Node', () => {
    expect(typeof nodeHasher('x'.repeat(32))('a')).toBe('string');
  });

  it('depend on the secret', async () => {
    expect(await nodeHasher('x'.repeat(32))('a')).not.toBe(await nodeHasher('y'.repeat(32))('a'));
  });
});
