// The in-process store when it is full: it keeps its size by dropping the key written longest ago.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../server/stores/memory.js';

const MINUTE = 60_000;

async function held(store: MemoryStore, keys: readonly string[]): Promise<string[]> {
  const present: string[] = [];
  for (const key of keys) if ((await store.get(key)) !== null) present.push(key);
  return present;
}

describe('MemoryStore when full (evict-oldest)', () => {
  it('drops the key written longest ago for each new one; writing a key again makes it the newest', async () => {
    const store = new MemoryStore({ maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) await store.set(key, key, MINUTE);
    await store.set('d', 'd', MINUTE);
    expect(await held(store, ['a', 'b', 'c', 'd'])).toEqual(['b', 'c', 'd']);
    await store.set('b', 'b again', MINUTE);
    await store.set('e', 'e', MINUTE);
    expect(await held(store, ['b', 'c', 'd', 'e'])).toEqual(['b', 'd', 'e']);
    expect(await store.get('b')).toBe('b again');
    await store.hit('f', MINUTE);
    await store.hit('g', MINUTE);
    expect(await held(store, ['b', 'd', 'e', 'f', 'g'])).toEqual(['e', 'f', 'g']);
  });

  it('keeps exactly the newest keys through many turnovers', async () => {
    const store = new MemoryStore({ maxKeys: 100 });
    const keys = Array.from({ length: 10_000 }, (_, i) => `k${i}`);
    for (const key of keys) await store.set(key, key, MINUTE);
    expect(await held(store, keys)).toEqual(keys.slice(-100));
  });

  it('takes expired keys first, and goes on evicting in order after they are swept away', async () => {
    let now = 0;
    const store = new MemoryStore({ maxKeys: 2, now: () => now });
    await store.set('short', '1', 1000);
    await store.set('long', '1', MINUTE);
    now = 2000;
    await store.set('new', '1', MINUTE);
    expect(await held(store, ['short', 'long', 'new'])).toEqual(['long', 'new']);
    now = 10 * MINUTE;
    for (const key of ['x', 'y', 'z']) await store.set(key, key, MINUTE);
    expect(await held(store, ['long', 'new', 'x', 'y', 'z'])).toEqual(['y', 'z']);
  });
});

describe('MemoryStore windows', () => {
  it('ends a window counted when it was longer within the window it is asked for now', async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    await store.hit('k', 86_400_000);
    now = 1000;
    const shortened = await store.hit('k', 60_000);
    expect(shortened).toEqual({ count: 2, resetMs: 60_000 });
    now = 61_001;
    expect((await store.hit('k', 60_000)).count).toBe(1);
  });
});
