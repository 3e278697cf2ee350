// The highest signed sequence number each of this node's keys has used, in the node's database.
// A signed message's sequence number is its send time in seconds, bumped to stay unique; a restart
// within those seconds would reuse one (receivers drop it as a duplicate, or worse, a replay) unless
// the sender goes on from here. Written before the message leaves, so a crash cannot lose a used one.
import type { NodeDatabase } from '../db/index.ts';
import type { KeyId } from './wire.ts';

const MIGRATIONS = [
  `CREATE TABLE lora_seq (
     key_id TEXT PRIMARY KEY,
     high_water INTEGER NOT NULL CHECK (high_water >= 0)
   ) STRICT`,
] as const;

export class LoraSeqStore {
  readonly #database: NodeDatabase;

  constructor(database: NodeDatabase) {
    this.#database = database;
    database.migrate('lora_seq', MIGRATIONS);
  }

  /** The highest sequence number `keyId` has used, if any was recorded. */
  last(keyId: KeyId): number | undefined {
    const row = this.#database.sql.prepare('SELECT high_water FROM lora_seq WHERE key_id = ?').get(keyId) as { high_water: number } | undefined;
    return row?.high_water;
  }

  /** Records that `keyId` used `seq` (never lowers the mark). */
  used(keyId: KeyId, seq: number): void {
    this.#database.sql
      .prepare('INSERT INTO lora_seq (key_id, high_water) VALUES (?, ?) ON CONFLICT (key_id) DO UPDATE SET high_water = max(high_water, excluded.high_water)')
      .run(keyId, seq);
  }
}
