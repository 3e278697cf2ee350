// The mesh's health as it changes: one line per sample (every 2 s), N samples (default: until Ctrl-C).
//   PAKIT_URL=… node examples/health-loop.ts 10
import { openNode } from './session.ts';

const limit = process.argv[2] ? Number(process.argv[2]) : Infinity;
const node = await openNode();
let seen = 0;
node.on('mesh.health', (samples) => {
  for (const sample of samples) {
    console.log(`${new Date(sample.sampledAt).toISOString()}\t${sample.phase}\t${sample.peerCount} peers\t${sample.messagesInPerSecond.toFixed(1)} msg/s in`);
    if (++seen >= limit) {
      node.close();
      return;
    }
  }
});
