// Gossip under attack: 20 libp2p nodes on 127.0.0.1 in two processes (this one and a child, 10 each,
// so both cores work), 14 honest GossipService nodes and 6 Byzantine ones (30 %). Byzantine nodes
// are raw libp2p + gossipsub nodes on the same network key and topics that publish whatever they
// like: forged signatures, invalid announcements, a 100 msg/s flood, false "I have this block"
// claims (answering "not held" or corrupt bytes when asked), and replays (their own messages again,
// and honest messages re-wrapped). One of them does all of it. Honest nodes announce a fresh block
// every second and fetch a quarter of the blocks they hear of (which is how false claims show).
//   gossip.delivery_ratio: honest announcements received by honest nodes / (announcements x 13).
//   gossip.p95_ms: 95th percentile publish-to-receive time of those (one machine, one clock).
//   gossip.byzantine_filtered_s: from the moment a Byzantine node starts its attack until the last
//     honest node that was connected to it then puts it below the threshold (the worst node). The
//     attackers run in the same event loops as honest nodes, so the first seconds of the flood delay
//     everything in its process (a forger there is heard after ~3 s instead of ~0.4 s); false
//     claims show only when someone fetches, so their time depends on the fetch workload.
//   gossip.byzantine_unfiltered_pairs: such (honest, Byzantine) pairs never filtered (counted in
//     byzantine_filtered_s as the whole attack).
//   gossip.filtered_connections_left: connections still open at the end between an honest node and
//     a Byzantine node it filtered (the gater and hang-up should leave none).
//   gossip.publish_errors: honest announcements whose publish failed (not counted as published).
//   gossip.honest_below_threshold: (honest observer, honest peer) pairs below the threshold at the end.
//   host.load_1m: the machine's 1-minute load average when the run starts. All 20 nodes share 2
//     cores; with other work on the machine latency grows (p95 over 2 s at load ~5 in our runs)
//     and a starved flooder no longer floods, so read the gossip figures with this one.
//   crypto.verify_per_s: announcement signature checks per second as the validator does them
//     (canonical re-encoding of the signed fields + node:crypto verify, cached key per author), on
//     2,000 announcements from 20 authors.
//   crypto.native_verify_per_s: bare node:crypto Ed25519 verify of the same signed bytes (bytes
//     and key objects prepared beforehand), the baseline.
//   crypto.noble_verify_per_s: identity.verifySignature (@noble/ed25519, pure JS) on the same
//     bytes: why the gossip path does not use it.
import { fork } from 'node:child_process';
import { createPublicKey, randomBytes, verify as nativeVerify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { privateKeyFromRaw } from '@libp2p/crypto/keys';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { ping } from '@libp2p/ping';
import { preSharedKey } from '@libp2p/pnet';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { defaultMeshSettings } from '../electron/node/config.ts';
import {
  blockProtocol,
  decodeAnnouncement,
  encodeAnnouncement,
  GossipService,
  preSharedKeyFor,
  signAnnouncement,
  signedBytes,
  topicFor,
  verifyAnnouncement,
  type Announcement,
} from '../electron/node/gossip/index.ts';
import { NodeIdentity, verifySignature } from '../electron/node/identity/index.ts';
import type { ReputationExplanation } from '../electron/node/reputation/index.ts';
import { contentIdFor, RAW_CODEC } from '../electron/node/storage/content-id.ts';
import { BlockStore } from '../electron/node/storage/index.ts';

const NETWORK_ID = 'bench-gossip';
const HONEST_PER_PROCESS = 7;
const BYZANTINE_PER_PROCESS = 3;
const HONEST_TOTAL = 2 * HONEST_PER_PROCESS;
const WARMUP_MS = 10_000;
const ATTACK_MS = 20_000;
const DRAIN_MS = 4_000;
const BOOTSTRAP_FANOUT = 4;
const THRESHOLD = defaultMeshSettings.byzantineThreshold;
const VERIFY_SAMPLES = 2_000;
/** Share of announced blocks each honest node fetches (about 3 more copies of every block). */
const FETCH_SHARE = 0.25;
/** Concurrent block fetches per honest node. */
const FETCH_WORKERS = 2;

type Behaviour = 'forge' | 'invalid' | 'flood' | 'false-claim' | 'replay';
/** Byzantine node i (0..5) does BEHAVIOURS[i]; the parent runs 0, 2, 4 and the child 1, 3, 5. */
const BEHAVIOURS: Behaviour[][] = [['forge'], ['invalid'], ['flood'], ['false-claim'], ['replay'], ['forge', 'invalid', 'flood', 'false-claim', 'replay']];

type Plan = { half: 0 | 1; bootstrap: string[]; attackAt: number; endAt: number };
type HalfReady = { addresses: string[]; honest: string[]; byzantine: string[] };
type HalfResult = {
  published: string[];
  /** `author/seq` of every announcement received, with its latency. */
  deliveries: Array<{ key: string; latencyMs: number; at: number }>;
  /** When an honest node connected to a Byzantine node at the start of the attack filtered it (epoch ms). */
  filterTimes: Array<{ byzantine: string; at: number }>;
  /** When each of this half's Byzantine nodes actually started attacking (epoch ms). */
  attackStarts: Array<{ byzantine: string; at: number }>;
  unfilteredPairs: number;
  /** What each unfiltered pair's honest node holds against the Byzantine node (for the log). */
  unfilteredReasons: Array<{ byzantine: string; reasons: string }>;
  filteredConnectionsLeft: number;
  publishErrors: number;
  /** Why each honest peer an honest node filtered is low (target: none). */
  honestBelow: string[];
};

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const figures: Record<string, number> = { 'host.load_1m': loadavg()[0]!, ...cryptoFigures() };
  log(`verify: ${Math.round(figures['crypto.verify_per_s']!)}/s as the node does it, ${Math.round(figures['crypto.native_verify_per_s']!)}/s bare node:crypto`);

  const start = Date.now();
  const plan: Plan = { half: 0, bootstrap: [], attackAt: start + WARMUP_MS, endAt: start + WARMUP_MS + ATTACK_MS };
  const own = await startHalf(plan, log);
  const child = fork(import.meta.filename, ['--gossip-half'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const childMessage = <T>(type: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: { type: string; data: T }) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message.data);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`benchmark child exited (${code}) before "${type}"`)));
    });
  const killTimer = setTimeout(() => child.kill('SIGKILL'), WARMUP_MS + ATTACK_MS + DRAIN_MS + 60_000);
  try {
    child.send({ type: 'plan', data: { ...plan, half: 1, bootstrap: own.ready.addresses } satisfies Plan });
    const other = await childMessage<HalfReady>('ready');
    const honest = [...own.ready.honest, ...other.honest];
    const byzantine = [...own.ready.byzantine, ...other.byzantine];
    child.send({ type: 'roster', data: { honest, byzantine } });
    log(`20 nodes up (${honest.length} honest, ${byzantine.length} Byzantine); attack from +${WARMUP_MS / 1000} s for ${ATTACK_MS / 1000} s`);
    const [mine, theirs] = await Promise.all([own.finish({ honest, byzantine }), childMessage<HalfResult>('result')]);
    const published = new Set([...mine.published, ...theirs.published]);
    // Only honest announcements published during the attack count.
    const deliveries = [...mine.deliveries, ...theirs.deliveries].filter((delivery) => published.has(delivery.key));
    const latencies = deliveries.map((delivery) => delivery.latencyMs).sort((a, b) => a - b);
    // Where the slow deliveries fall in the attack, in 2-second slices (p95 per slice).
    const slices = new Map<number, number[]>();
    for (const { at, latencyMs } of deliveries) {
      const slice = Math.floor((at - plan.attackAt) / 2000);
      slices.set(slice, [...(slices.get(slice) ?? []), latencyMs]);
    }
    log(`p95 by 2 s slice of the attack: ${[...slices].sort(([a], [b]) => a - b).map(([slice, values]) => `${slice * 2}s:${percentile(values, 0.95)}`).join(' ')}`);
    const attackStart = new Map([...mine.attackStarts, ...theirs.attackStarts].map(({ byzantine: peer, at }) => [peer, at]));
    const late = Math.max(...attackStart.values()) - plan.attackAt;
    if (late > 500) log(`start-up took longer than the warm-up: the last attack began ${(late / 1000).toFixed(1)} s late`);
    const filterTimes = [...mine.filterTimes, ...theirs.filterTimes].map(({ byzantine: peer, at }) => ({
      byzantine: peer,
      ms: Math.max(0, at - (attackStart.get(peer) ?? plan.attackAt)),
    }));
    const unfiltered = mine.unfilteredPairs + theirs.unfilteredPairs;
    const behaviourOf = new Map(byzantine.map((peer, i) => [peer, BEHAVIOURS[i < BYZANTINE_PER_PROCESS ? 2 * i : 2 * (i - BYZANTINE_PER_PROCESS) + 1]!.join('+')]));
    for (const [peer, behaviour] of behaviourOf) {
      const times = filterTimes.filter((entry) => entry.byzantine === peer).map((entry) => entry.ms);
      if (times.length > 0) log(`${behaviour}: filtered by ${times.length} connected honest nodes, the last after ${(Math.max(...times) / 1000).toFixed(2)} s`);
    }
    for (const reasons of [...mine.honestBelow, ...theirs.honestBelow]) log(`honest peer below the threshold: ${reasons}`);
    for (const { byzantine: peer, reasons } of [...mine.unfilteredReasons, ...theirs.unfilteredReasons]) {
      log(`not filtered: ${behaviourOf.get(peer)} node, reputation ${reasons || 'no evidence'}`);
    }
    Object.assign(figures, {
      'gossip.delivery_ratio': deliveries.length / (published.size * (HONEST_TOTAL - 1)),
      'gossip.p95_ms': latencies[Math.floor(0.95 * (latencies.length - 1))] ?? Number.NaN,
      'gossip.p50_ms': latencies[Math.floor(0.5 * (latencies.length - 1))] ?? Number.NaN,
      'gossip.announcements': published.size,
      'gossip.byzantine_filtered_s': (unfiltered > 0 ? ATTACK_MS : Math.max(0, ...filterTimes.map((entry) => entry.ms))) / 1000,
      'gossip.byzantine_pairs_filtered': filterTimes.length,
      'gossip.byzantine_unfiltered_pairs': unfiltered,
      'gossip.filtered_connections_left': mine.filteredConnectionsLeft + theirs.filteredConnectionsLeft,
      'gossip.publish_errors': mine.publishErrors + theirs.publishErrors,
      'gossip.honest_below_threshold': mine.honestBelow.length + theirs.honestBelow.length,
    });
    return figures;
  } finally {
    clearTimeout(killTimer);
    await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  }
}

async function startHalf(plan: Plan, log: (line: string) => void) {
  const root = mkdtempSync(join(tmpdir(), `pakit-bench-gossip-${plan.half}-`));
  const honest: HonestNode[] = [];
  const known = [...plan.bootstrap];
  for (let i = 0; i < HONEST_PER_PROCESS; i++) {
    const node = await startHonest(join(root, `h${i}`), pick(known, BOOTSTRAP_FANOUT));
    honest.push(node);
    known.push(...node.service.addresses());
  }
  const honestAddresses = [...known];
  const byzantine: ByzantineNode[] = [];
  for (let i = 0; i < BYZANTINE_PER_PROCESS; i++) {
    byzantine.push(await startByzantine(BEHAVIOURS[2 * i + plan.half]!, pick(honestAddresses, BOOTSTRAP_FANOUT), plan.attackAt));
  }
  log(`half ${plan.half}: ${honest.length} honest and ${byzantine.length} Byzantine nodes started`);
  const ready: HalfReady = {
    addresses: honest.flatMap((node) => node.service.addresses()),
    honest: honest.map((node) => node.service.peerId),
    byzantine: byzantine.map((node) => node.libp2p.peerId.toString()),
  };

  async function finish(roster: { honest: string[]; byzantine: string[] }): Promise<HalfResult> {
    const byzantineIds = new Set(roster.byzantine);
    await sleepUntil(plan.attackAt);
    // Pairs that matter: honest nodes connected to a Byzantine node when the attack starts.
    const pairs = honest.flatMap((node) =>
      node.service
        .connectedPeers()
        .filter((peer) => byzantineIds.has(peer))
        .map((peer) => ({ node, byzantine: peer })),
    );
    for (const node of honest) node.startWork(plan.endAt);
    const attackStarts = byzantine.map((node) => ({ byzantine: node.libp2p.peerId.toString(), at: node.startAttack(plan.endAt) }));
    await sleepUntil(plan.endAt + DRAIN_MS);
    const filterTimes: HalfResult['filterTimes'] = [];
    let unfilteredPairs = 0;
    const unfilteredReasons: HalfResult['unfilteredReasons'] = [];
    for (const { node, byzantine: peer } of pairs) {
      const at = node.filteredAt.get(peer);
      if (at !== undefined) {
        filterTimes.push({ byzantine: peer, at });
        continue;
      }
      unfilteredPairs++;
      unfilteredReasons.push({ byzantine: peer, reasons: describe(node.service.reputation.explain(peer)) });
    }
    const result: HalfResult = {
      published: honest.flatMap((node) => node.published),
      deliveries: honest.flatMap((node) => node.deliveries),
      filterTimes,
      attackStarts,
      unfilteredPairs,
      unfilteredReasons,
      filteredConnectionsLeft: honest.reduce(
        (sum, node) => sum + node.service.connectedPeers().filter((peer) => byzantineIds.has(peer) && node.service.reputation.isFiltered(peer, THRESHOLD)).length,
        0,
      ),
      publishErrors: honest.reduce((sum, node) => sum + node.publishErrors(), 0),
      honestBelow: honest.flatMap((node) =>
        roster.honest
          .filter((peer) => peer !== node.service.peerId && node.service.reputation.isFiltered(peer, THRESHOLD))
          .map((peer) => describe(node.service.reputation.explain(peer))),
      ),
    };
    await Promise.all([...honest.map((node) => node.stop()), ...byzantine.map((node) => node.libp2p.stop())]);
    rmSync(root, { recursive: true, force: true });
    return result;
  }
  return { ready, finish };
}

type HonestNode = Awaited<ReturnType<typeof startHonest>>;

async function startHonest(dir: string, bootstrapList: string[]) {
  const store = await BlockStore.open(dir);
  const service = new GossipService({
    identity: NodeIdentity.generate(),
    store,
    settings: { ...defaultMeshSettings, networkId: NETWORK_ID, discoveryIntervalS: 5 },
    listen: { host: '127.0.0.1', port: 0 },
    bootstrap: bootstrapList,
  });
  const published: string[] = [];
  const deliveries: Array<{ key: string; latencyMs: number; at: number }> = [];
  const filteredAt = new Map<string, number>();
  const wanted: string[] = [];
  let working = false;
  let publishErrors = 0;
  service.reputation.onChange((peer, score) => {
    if (score < THRESHOLD && !filteredAt.has(peer)) filteredAt.set(peer, Date.now());
  });
  service.onAnnouncement((message) => {
    const { ts, seq } = message.announcement;
    // Only announcements honest nodes publish during the measured window count for delivery.
    if (message.kind === 'block') deliveries.push({ key: `${message.author}/${seq}`, latencyMs: message.receivedAt - ts, at: message.receivedAt });
    if (message.kind === 'block' && working && wanted.length < 200 && Math.random() < FETCH_SHARE) wanted.push((message.body as { cid: string }).cid);
  });
  await service.start();

  /** Honest work: announce a fresh 1 KB block every second; fetch a share of the blocks others announce. */
  function startWork(endAt: number): void {
    working = true;
    const announcer = setInterval(() => {
      if (Date.now() > endAt) return clearInterval(announcer);
      void (async () => {
        const bytes = randomBytes(1024);
        const cid = await store.store(bytes);
        const { seq } = await service.announceBlock(cid, bytes.length);
        published.push(`${service.peerId}/${seq}`);
      })().catch(() => publishErrors++);
    }, 1000);
    for (let worker = 0; worker < FETCH_WORKERS; worker++) {
      void (async () => {
        while (Date.now() < endAt + DRAIN_MS / 2) {
          const cid = wanted.shift();
          if (!cid) {
            await sleep(100);
            continue;
          }
          if (store.has(cid)) continue;
          await service.requestBlockFromPeers(cid, { maxPeers: 3, timeoutMs: 2_000 }).catch(() => undefined);
        }
      })();
    }
  }
  return {
    service,
    published,
    deliveries,
    filteredAt,
    startWork,
    publishErrors: () => publishErrors,
    stop: async () => {
      working = false;
      await service.stop();
      store.close();
    },
  };
}

type ByzantineNode = Awaited<ReturnType<typeof startByzantine>>;

/** A node on the right network key and topics that does not run our validators and publishes at will. */
async function startByzantine(behaviours: Behaviour[], bootstrapList: string[], attackAt: number) {
  const identity = NodeIdentity.generate();
  const prefix = `pakit/${NETWORK_ID}`;
  const blockTopic = topicFor(NETWORK_ID, 'block');
  const libp2p: Libp2p<{ pubsub: GossipSub; identify: unknown; ping: unknown }> = await createLibp2p({
    privateKey: privateKeyFromRaw(identity.libp2pPrivateKey()),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionProtector: preSharedKey({ psk: preSharedKeyFor(NETWORK_ID) }),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [bootstrap({ list: bootstrapList })],
    connectionManager: { inboundConnectionThreshold: 100 },
    services: {
      identify: identify({ protocolPrefix: prefix }),
      ping: ping({ protocolPrefix: prefix }),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, fallbackToFloodsub: false, scoreParams: { IPColocationFactorWeight: 0 } }),
    },
  });
  const pubsub = libp2p.services.pubsub;
  pubsub.subscribe(blockTopic);
  const heard: Uint8Array[] = [];
  const ownSent: Uint8Array[] = [];
  pubsub.addEventListener('message', (event) => {
    if (heard.length < 500) heard.push(event.detail.data);
  });
  // Claims blocks it does not have: "not held", or (every other time) bytes that do not match.
  let corrupt = false;
  await libp2p.handle(blockProtocol(NETWORK_ID), async (stream) => {
    corrupt = !corrupt;
    const answer = corrupt ? Uint8Array.of(0, 0, 0, 0, 16, ...randomBytes(16)) : Uint8Array.of(1, 0, 0, 0, 0);
    stream.send(answer);
    await stream.close().catch(() => undefined);
  });
  let seq = Date.now() * 1000;
  const announcement = (body: unknown, overrides: Partial<Announcement> = {}): Uint8Array => {
    const signed = signAnnouncement({ net: NETWORK_ID, kind: 'block', author: identity.publicKey, seq: ++seq, ts: attackAt, body }, (bytes) => identity.sign(bytes));
    return encodeAnnouncement({ ...signed, ...overrides });
  };
  const bogusClaim = () => ({ cid: contentIdFor(RAW_CODEC, randomBytes(32)).toString(), size: 1024 });
  // The flood is signed before the attack (timestamped at its start, well inside the acceptance
  // window): the attackers share our 2 cores, and their signing time is not what is measured.
  const floodPool = behaviours.includes('flood') ? Array.from({ length: (ATTACK_MS / 1000) * 100 }, () => announcement(bogusClaim())) : [];
  const publish = (data: Uint8Array) => pubsub.publish(blockTopic, data).catch(() => undefined);

  const actions: Record<Behaviour, { perSecond: number; act: () => void }> = {
    forge: { perSecond: 5, act: () => void publish(announcement(bogusClaim(), { sig: randomBytes(64) })) },
    invalid: {
      perSecond: 5,
      act: () => void publish(Math.random() < 0.5 ? randomBytes(200) : announcement({ cid: 'not-a-content-id', size: -1 })),
    },
    flood: { perSecond: 100, act: () => void publish(floodPool.pop() ?? announcement(bogusClaim())) },
    'false-claim': {
      perSecond: 2,
      act: () => {
        const data = announcement(bogusClaim());
        ownSent.push(data);
        void publish(data);
      },
    },
    replay: {
      perSecond: 5,
      act: () => {
        // Alternately an honest node's announcement re-wrapped, and one of its own sent again.
        const own = ownSent.length > 0 && Math.random() < 0.5;
        const data = own ? ownSent[Math.floor(Math.random() * ownSent.length)]! : heard[Math.floor(Math.random() * heard.length)];
        if (data) void publish(data);
        else ownSent.push(announcement(bogusClaim()));
      },
    },
  };

  /** Starts misbehaving now; returns when. */
  function startAttack(endAt: number): number {
    const start = Date.now();
    for (const behaviour of behaviours) {
      const { perSecond, act } = actions[behaviour];
      let done = 0;
      // Timers lag under load: each tick catches up with the wall-clock rate (at most 50 at once).
      const timer = setInterval(() => {
        if (Date.now() > endAt || libp2p.status !== 'started') return clearInterval(timer);
        const due = Math.min(50, Math.floor(((Date.now() - start) * perSecond) / 1000) - done);
        for (let i = 0; i < due; i++) act();
        done += Math.max(0, due);
      }, Math.max(10, 1000 / perSecond));
    }
    return start;
  }
  return { libp2p, startAttack };
}

function cryptoFigures(): Record<string, number> {
  const authors = Array.from({ length: 20 }, () => NodeIdentity.generate());
  const messages = Array.from({ length: VERIFY_SAMPLES }, (_, i) => {
    const author = authors[i % authors.length]!;
    const body = { cid: contentIdFor(RAW_CODEC, randomBytes(32)).toString(), size: 1024 };
    const signed = signAnnouncement({ net: NETWORK_ID, kind: 'block', author: author.publicKey, seq: i, ts: Date.now(), body }, (bytes) => author.sign(bytes));
    return encodeAnnouncement(signed);
  });
  const decoded = messages.map((bytes) => {
    const result = decodeAnnouncement(bytes);
    if (!result.ok) throw new Error(result.error);
    return result.announcement;
  });
  const ours = timePerSecond(decoded, (announcement) => verifyAnnouncement(announcement));
  const keys = new Map<string, KeyObject>();
  const keyOf = (raw: Uint8Array): KeyObject => {
    const id = Buffer.from(raw).toString('hex');
    let key = keys.get(id);
    if (!key) {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
      keys.set(id, key);
    }
    return key;
  };
  const prepared = decoded.map((announcement) => ({ bytes: signedBytes(announcement), key: keyOf(announcement.author), sig: announcement.sig }));
  const native = timePerSecond(prepared, ({ bytes, key, sig }) => nativeVerify(null, bytes, key, sig));
  const noble = timePerSecond(decoded.slice(0, 500), (announcement) => verifySignature(announcement.author, signedBytes(announcement), announcement.sig));
  return { 'crypto.verify_per_s': ours, 'crypto.native_verify_per_s': native, 'crypto.noble_verify_per_s': noble };
}

function timePerSecond<T>(items: T[], check: (item: T) => boolean): number {
  const start = process.hrtime.bigint();
  for (const item of items) if (!check(item)) throw new Error('a valid signature failed to verify');
  return items.length / (Number(process.hrtime.bigint() - start) / 1e9);
}

function describe({ score, reasons }: ReputationExplanation): string {
  return `${score.toFixed(2)}: ${reasons.map((reason) => `${reason.kind} x${reason.count}`).join(', ')}`;
}

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(share * (sorted.length - 1))] ?? Number.NaN;
}

function pick<T>(items: T[], count: number): T[] {
  return [...items].sort(() => Math.random() - 0.5).slice(0, count);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sleepUntil = (at: number) => sleep(Math.max(0, at - Date.now()));

/** The child: waits for its plan, starts its half, reports, exits. */
if (import.meta.main && process.argv.includes('--gossip-half')) {
  const next = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const onMessage = (message: { type: string; data: T }) => {
        if (message.type !== type) return;
        process.off('message', onMessage);
        resolve(message.data);
      };
      process.on('message', onMessage);
    });
  const plan = await next<Plan>('plan');
  const half = await startHalf(plan, () => undefined);
  process.send!({ type: 'ready', data: half.ready });
  const result = await half.finish(await next<{ honest: string[]; byzantine: string[] }>('roster'));
  process.send!({ type: 'result', data: result }, () => process.disconnect());
}
