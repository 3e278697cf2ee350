// Who holds a block: peers that announced it, then kad-dht providers, best first.
//   PAKIT_URL=… node examples/find-block.ts bafkrei…
import { openNode, orExit } from './session.ts';

const cid = process.argv[2];
if (!cid) throw new Error('usage: find-block.ts CONTENT_ID');
const node = await openNode();
const holders = orExit(await node.call('mesh.findBlockPeers', { cid, maxPeers: 5 }));
for (const peer of holders) console.log(`${peer.id}\t${peer.reputation.score.toFixed(2)}\t${peer.addresses[0] ?? ''}`);
if (holders.length === 0) console.log('nobody is known to hold it');
node.close();
