// LoRa at mesh scale (issue 12), `npm run bench -- lora-mesh --json FILE`: every figure the issue
// names, each measured against a baseline in the same run. The parts run alone too:
// `lora-mesh-emergency` (an emergency and its roll-call), `lora-mesh-relay` (a file over two hops),
// `lora-mesh-sync` (index sync on the mesh) and `lora-sync-join` (an empty node joins a 10,000-id index).
import { emergencyFigures } from './lora-mesh-emergency.ts';
import { fileAcrossRelay } from './lora-mesh-relay.ts';
import { measureMeshSync } from './lora-mesh-sync.ts';
import { measureJoin } from './lora-sync-join.ts';

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  return { ...(await emergencyFigures(log)), ...(await fileAcrossRelay(log)), ...(await measureMeshSync(log)), ...measureJoin(log) };
}
