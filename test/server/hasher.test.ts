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

  it('agree for long keys and for messages at and past the edge of their first buffer', async () => {
    // A key past SHA-256's 64-byte block is hashed first; a message past the hasher's first buffer makes it grow.
    // Each edge case gets a fresh hasher, so that it meets the first buffer's edge (256 bytes of message).
    const edges = [['x'.repeat(252)], ['x'.repeat(253)], ['x'.repeat(255)], ['x'.repeat(256)], ['名'.repeat(84)], ['名'.repeat(85)], ['x'.repeat(252) + '𠮷'], ['x'.repeat(253) + '𠮷']];
    for (const secret of ['k'.repeat(64), 'k'.repeat(65), '密钥'.repeat(40)]) {
      const web = createHasher(secret);
      for (const parts of edges) expect(nodeHasher(secret)(...parts)).toBe(await web(...parts));
    }
  });

  it('agree when one hasher is reused across lengths, longest first', async () => {
    // A reused buffer must not leak the tail of an earlier, longer message.
    const secret = 'a-hash-secret-of-at-least-32-characters';
    const node = nodeHasher(secret);
    const web = createHasher(secret);
    for (const parts of [['名'.repeat(900)], ['x'.repeat(300)], ['13800138000', '张三'], ['a'], ['b']]) expect(node(...parts)).toBe(await web(...parts));
  });

  it('answer at once on Node', () => {
    expect(typeof nodeHasher('x'.repeat(32))('a')).toBe('string');
  });

  it('depend on the secret', async () => {
    expect(await nodeHasher('x'.repeat(32))('a')).not.toBe(await nodeHasher('y'.repeat(32))('a'));
  });
});
