import fc from 'fast-check';
import { base58btc } from 'multiformats/bases/base58';
import { CID } from 'multiformats/cid';
import { describe, expect, test } from 'vitest';
import { BUCKET_COUNT, DagIndex, rootHashOf, StorageError } from '../../../electron/node/storage/index.ts';
import { contentIdFor, DAG_CBOR_CODEC, RAW_CODEC } from '../../../electron/node/storage/content-id.ts';

const idOf = (n: number, codec: typeof RAW_CODEC | typeof DAG_CBOR_CODEC = RAW_CODEC): string =>
  contentIdFor(codec, Buffer.from(`block ${n}`)).toString();
/** Ids drawn from a small universe so sets overlap. */
const idArb = fc.tuple(fc.integer({ min: 0, max: 200 }), fc.boolean()).map(([n, cbor]) => idOf(n, cbor ? DAG_CBOR_CODEC : RAW_CODEC));
const setArb = fc.array(idArb, { maxLength: 60 });

const union = (...sets: string[][]): DagIndex => {
  const index = new DagIndex();
  for (const set of sets) index.merge(set);
  return index;
};
const sameSet = (a: DagIndex, b: DagIndex): void => {
  expect(a.ids()).toEqual(b.ids());
  expect(a.rootHash()).toBe(b.rootHash());
};

describe('summary', () => {
  test('version grows with every change and only with changes', () => {
    const index = new DagIndex();
    expect(index.summary()).toEqual({ version: 0, root_hash: rootHashOf([]), block_count: 0 });
    expect(index.add(idOf(1))).toBe(true);
    expect(index.add(idOf(1))).toBe(false);
    expect(index.add(idOf(2))).toBe(true);
    expect(index.remove(idOf(3))).toBe(false);
    expect(index.remove(idOf(1))).toBe(true);
    expect(index.summary()).toEqual({ version: 3, root_hash: rootHashOf([idOf(2)]), block_count: 1 });
  });

  test('the root depends on the set, not on insertion order or spelling of the ids', () => {
    const ids = Array.from({ length: 50 }, (_, i) => idOf(i));
    const forward = new DagIndex(ids);
    const backward = new DagIndex([...ids].reverse());
    expect(forward.rootHash()).toBe(backward.rootHash());
    expect(forward.ids()).toEqual(backward.ids());
    const base58 = new DagIndex(ids.map((id) => CID.parse(id).toString(base58btc)));
    expect(base58.rootHash()).toBe(forward.rootHash());
    expect(base58.has(CID.parse(ids[0]!).toString(base58btc))).toBe(true);
    expect(base58.ids()).toEqual(forward.ids());
    expect(new DagIndex(ids.slice(1)).rootHash()).not.toBe(forward.rootHash());
  });

  test('a raw block and a dag-cbor node with the same digest are different ids', () => {
    const index = new DagIndex([idOf(1, RAW_CODEC), idOf(1, DAG_CBOR_CODEC)]);
    expect(index.size).toBe(2);
    expect(index.ids()).toEqual([idOf(1, RAW_CODEC), idOf(1, DAG_CBOR_CODEC)]);
  });

  test('ids that are not held CIDs are refused', () => {
    const index = new DagIndex();
    expect(() => index.add('bafy-not-a-cid')).toThrow(StorageError);
    expect(index.has('bafy-not-a-cid')).toBe(false);
  });
});

describe('buckets', () => {
  test('there are 256 bucket hashes and a change touches only its own bucket', () => {
    const index = new DagIndex(Array.from({ length: 300 }, (_, i) => idOf(i)));
    const before = index.bucketHashes();
    expect(before).toHaveLength(BUCKET_COUNT);
    const added = idOf(1000);
    index.add(added);
    const after = index.bucketHashes();
    const changed = after.flatMap((hash, bucket) => (hash === before[bucket] ? [] : [bucket]));
    expect(changed).toEqual([index.bucketOf(added)]);
    expect(index.idsInBucket(index.bucketOf(added))).toContain(added);
  });

  test('the ids of all buckets, in bucket order, are the sorted set', () => {
    const index = new DagIndex(Array.from({ length: 500 }, (_, i) => idOf(i)));
    const concatenated = Array.from({ length: BUCKET_COUNT }, (_, bucket) => index.idsInBucket(bucket)).flat();
    expect(concatenated).toEqual(index.ids());
    expect(new Set(concatenated).size).toBe(500);
  });
});

describe('incremental root', () => {
  test('equals the root computed from scratch after any sequence of adds and removes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), idArb), { maxLength: 120 }), fc.integer({ min: 1, max: 10 }), (operations, readEvery) => {
        const index = new DagIndex();
        const model = new Set<string>();
        operations.forEach(([add, id], step) => {
          if (add) {
            expect(index.add(id)).toBe(!model.has(id));
            model.add(id);
          } else {
            expect(index.remove(id)).toBe(model.has(id));
            model.delete(id);
          }
          if (step % readEvery === 0) expect(index.rootHash()).toBe(rootHashOf(model));
        });
        expect(index.rootHash()).toBe(rootHashOf(model));
        expect(index.size).toBe(model.size);
      }),
    );
  });
});

describe('merge is a set union', () => {
  test('idempotent', () => {
    fc.assert(
      fc.property(setArb, setArb, (a, b) => {
        const once = union(a, b);
        const twice = union(a, b, b);
        sameSet(once, twice);
        expect(union(a).merge(a)).toBe(0);
      }),
    );
  });

  test('commutative', () => {
    fc.assert(fc.property(setArb, setArb, (a, b) => sameSet(union(a, b), union(b, a))));
  });

  test('associative', () => {
    fc.assert(
      fc.property(setArb, setArb, setArb, (a, b, c) => {
        const left = union(a, b);
        left.merge(c);
        const right = union(a);
        right.merge(union(b, c));
        sameSet(left, right);
      }),
    );
  });

  test('returns the number of new ids and keeps every id of both sides', () => {
    fc.assert(
      fc.property(setArb, setArb, (a, b) => {
        const index = union(a);
        const added = index.merge(b);
        const expected = new Set([...a, ...b]);
        expect(added).toBe(expected.size - new Set(a).size);
        expect(new Set(index.ids())).toEqual(expected);
        expect(index.rootHash()).toBe(rootHashOf(expected));
      }),
    );
  });
});
