// Messages and their delivery states in the node's SQLite database (tables owned and migrated here).
import type { ChatMessage, Conversation, DeliveryState } from '../../../shared/contract/messages.ts';
import type { ContractError } from '../../../shared/contract/errors.ts';
import type { NodeDatabase } from '../db/index.ts';

const MIGRATIONS = [
  `CREATE TABLE messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     conversation TEXT NOT NULL,
     direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
     from_node TEXT,
     to_node TEXT,
     channel INTEGER NOT NULL,
     text TEXT NOT NULL,
     at INTEGER NOT NULL,
     state TEXT,
     error TEXT,
     packet_id INTEGER,
     part_index INTEGER,
     part_count INTEGER,
     hops INTEGER,
     snr REAL,
     rssi REAL,
     unread INTEGER NOT NULL DEFAULT 0
   ) STRICT;
   CREATE INDEX messages_by_conversation ON messages (conversation, at, seq);
   CREATE INDEX messages_by_packet ON messages (packet_id) WHERE direction = 'out';
   CREATE UNIQUE INDEX messages_received_once ON messages (from_node, packet_id) WHERE direction = 'in';
   CREATE TABLE message_names (key TEXT PRIMARY KEY, name TEXT NOT NULL, short_name TEXT) STRICT;`,
];

type Row = {
  seq: number;
  id: string;
  conversation: string;
  direction: 'in' | 'out';
  from_node: string | null;
  to_node: string | null;
  channel: number;
  text: string;
  at: number;
  state: DeliveryState | null;
  error: string | null;
  packet_id: number | null;
  part_index: number | null;
  part_count: number | null;
  hops: number | null;
  snr: number | null;
  rssi: number | null;
  unread: number;
};

export type NewMessage = Omit<ChatMessage, 'unread'> & { packetId?: number; unread?: boolean };

/** A name for a conversation: a node's long and short name, or a channel's name. */
export type KnownName = { key: string; name: string; shortName?: string };

export class MessageStore {
  readonly #db: NodeDatabase;

  constructor(database: NodeDatabase) {
    this.#db = database;
    database.migrate('messages', MIGRATIONS);
  }

  /** Stores a message; false when an incoming one with the same sender and packet id is already there. */
  /** Inserts every message or none. */
  insertAll(messages: readonly NewMessage[]): void {
    this.#db.transaction(() => messages.forEach((message) => this.insert(message)));
  }

  insert(message: NewMessage): boolean {
    const result = this.#db.sql
      .prepare(
        `INSERT OR IGNORE INTO messages (id, conversation, direction, from_node, to_node, channel, text, at, state, error, packet_id, part_index, part_count, hops, snr, rssi, unread)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        message.id,
        message.conversation,
        message.direction,
        message.from ?? null,
        message.to ?? null,
        message.channel,
        message.text,
        message.at,
        message.state ?? null,
        message.error ? JSON.stringify(message.error) : null,
        message.packetId ?? null,
        message.part?.index ?? null,
        message.part?.count ?? null,
        message.hops ?? null,
        message.snr ?? null,
        message.rssi ?? null,
        message.unread ? 1 : 0,
      );
    return Number(result.changes) === 1;
  }

  get(id: string): ChatMessage | undefined {
    const row = this.#db.sql.prepare('SELECT * FROM messages WHERE id = ?').get(id) as Row | undefined;
    return row && toMessage(row);
  }

  /** The outgoing message sent as radio packet `packetId`, if any. */
  byPacketId(packetId: number): ChatMessage | undefined {
    const row = this.#db.sql.prepare("SELECT * FROM messages WHERE direction = 'out' AND packet_id = ? ORDER BY seq DESC LIMIT 1").get(packetId) as Row | undefined;
    return row && toMessage(row);
  }

  /** Where the destination of an outgoing message is, and its packet id once the radio took it. */
  packetOf(id: string): { packetId: number | undefined; to: string | undefined } {
    const row = this.#db.sql.prepare('SELECT packet_id, to_node FROM messages WHERE id = ?').get(id) as Pick<Row, 'packet_id' | 'to_node'> | undefined;
    return { packetId: row?.packet_id ?? undefined, to: row?.to_node ?? undefined };
  }

  setState(id: string, state: DeliveryState, changes: { packetId?: number; error?: ContractError } = {}): void {
    this.#db.sql
      .prepare('UPDATE messages SET state = ?, packet_id = COALESCE(?, packet_id), error = ? WHERE id = ?')
      .run(state, changes.packetId ?? null, changes.error ? JSON.stringify(changes.error) : null, id);
  }

  /** Outgoing messages in a state, oldest first. */
  withState(state: DeliveryState): ChatMessage[] {
    return (this.#db.sql.prepare("SELECT * FROM messages WHERE direction = 'out' AND state = ? ORDER BY seq").all(state) as Row[]).map(toMessage);
  }

  /** Up to `limit` messages before `before` (epoch ms), returned oldest first. */
  list(options: { conversation?: string | undefined; before?: number | undefined; limit: number }): ChatMessage[] {
    const rows = this.#db.sql
      .prepare(
        `SELECT * FROM messages WHERE (? IS NULL OR conversation = ?) AND (? IS NULL OR at < ?)
         ORDER BY at DESC, seq DESC LIMIT ?`,
      )
      .all(options.conversation ?? null, options.conversation ?? null, options.before ?? null, options.before ?? null, options.limit) as Row[];
    return rows.reverse().map(toMessage);
  }

  /** Every message in time order, for export. */
  *allInTimeOrder(): Generator<ChatMessage> {
    for (const row of this.#db.sql.prepare('SELECT * FROM messages ORDER BY at, seq').iterate() as Iterable<Row>) yield toMessage(row);
  }

  /** Marks a conversation's incoming messages read; answers how many were unread. */
  markRead(conversation: string): number {
    return Number(this.#db.sql.prepare('UPDATE messages SET unread = 0 WHERE conversation = ? AND unread = 1').run(conversation).changes);
  }

  /** Every conversation that has messages, most recent first, with names where known. */
  conversations(): Conversation[] {
    const rows = this.#db.sql
      .prepare(
        `SELECT conversation, MAX(at) AS last_at, SUM(unread) AS unread,
                (SELECT text FROM messages AS last WHERE last.conversation = messages.conversation ORDER BY at DESC, seq DESC LIMIT 1) AS last_text
         FROM messages GROUP BY conversation ORDER BY last_at DESC`,
      )
      .all() as { conversation: string; last_at: number; unread: number; last_text: string }[];
    return rows.map((row) => this.conversation(row.conversation, { lastAt: row.last_at, unread: row.unread, lastText: row.last_text }));
  }

  /** One conversation's summary (an empty one if it has no messages yet). */
  conversation(id: string, summary?: { lastAt: number; unread: number; lastText: string }): Conversation {
    const stats =
      summary ??
      (this.#db.sql
        .prepare(
          `SELECT MAX(at) AS lastAt, COALESCE(SUM(unread), 0) AS unread,
                  (SELECT text FROM messages WHERE conversation = ? ORDER BY at DESC, seq DESC LIMIT 1) AS lastText
           FROM messages WHERE conversation = ?`,
        )
        .get(id, id) as { lastAt: number | null; unread: number; lastText: string | null });
    const named = this.name(id);
    const channel = id.startsWith('channel:') ? Number(id.slice('channel:'.length)) : undefined;
    return {
      id,
      kind: channel === undefined ? 'direct' : 'channel',
      ...(channel === undefined ? { nodeId: id } : { channel }),
      name: named?.name ?? (channel === undefined ? id : `Channel ${channel}`),
      ...(named?.shortName ? { shortName: named.shortName } : {}),
      unread: Number(stats.unread),
      ...(stats.lastAt === null ? {} : { lastAt: stats.lastAt }),
      ...(stats.lastText === null ? {} : { lastText: stats.lastText }),
    };
  }

  /** Remembers names (nodes by `!id`, channels by `channel:N`), so conversations keep them while the radio is away. */
  rememberNames(names: readonly KnownName[]): void {
    if (names.length === 0) return;
    const upsert = this.#db.sql.prepare(
      'INSERT INTO message_names (key, name, short_name) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET name = excluded.name, short_name = excluded.short_name',
    );
    this.#db.transaction(() => {
      for (const { key, name, shortName } of names) upsert.run(key, name, shortName ?? null);
    });
  }

  name(key: string): KnownName | undefined {
    const row = this.#db.sql.prepare('SELECT key, name, short_name FROM message_names WHERE key = ?').get(key) as { key: string; name: string; short_name: string | null } | undefined;
    return row && { key: row.key, name: row.name, ...(row.short_name ? { shortName: row.short_name } : {}) };
  }

  /** Channel indexes the radio had enabled when last seen (`channel:N` names); empty if never seen. */
  knownChannels(): number[] {
    const rows = this.#db.sql.prepare("SELECT key FROM message_names WHERE key LIKE 'channel:%'").all() as { key: string }[];
    return rows.map((row) => Number(row.key.slice('channel:'.length)));
  }

  forgetChannels(): void {
    this.#db.sql.exec("DELETE FROM message_names WHERE key LIKE 'channel:%'");
  }
}

function toMessage(row: Row): ChatMessage {
  return {
    id: row.id,
    conversation: row.conversation,
    direction: row.direction,
    ...(row.from_node === null ? {} : { from: row.from_node }),
    ...(row.to_node === null ? {} : { to: row.to_node }),
    channel: row.channel,
    text: row.text,
    at: row.at,
    ...(row.state === null ? {} : { state: row.state }),
    ...(row.error === null ? {} : { error: JSON.parse(row.error) as ContractError }),
    ...(row.part_index === null || row.part_count === null ? {} : { part: { index: row.part_index, count: row.part_count } }),
    ...(row.hops === null ? {} : { hops: row.hops }),
    ...(row.snr === null ? {} : { snr: row.snr }),
    ...(row.rssi === null ? {} : { rssi: row.rssi }),
    ...(row.direction === 'in' ? { unread: row.unread === 1 } : {}),
  };
}
