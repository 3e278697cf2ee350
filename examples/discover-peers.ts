// Who is out there: every peer the node knows on IP and LoRa, best reputation first, filtered ones too.
//   PAKIT_URL='http://127.0.0.1:8080/#token=…' node examples/discover-peers.ts
import { openNode, orExit } from './session.ts';

const node = await openNode();
const peers = orExit(await node.call('mesh.peers', { includeFiltered: true }));
for (const peer of peers) {
  const why = peer.reputation.reasons[0]?.label ?? 'no evidence yet';
  console.log(`${peer.id}\t${peer.transports.join('+')}\t${peer.reputation.score.toFixed(2)}\t${peer.filtered ? 'FILTERED: ' : ''}${why}`);
}
node.close();
