// Store a file on the node and tell the mesh it holds it: prints the file's content id.
//   PAKIT_URL=… node examples/announce-block.ts report.txt
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { openNode, orExit } from './session.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: announce-block.ts FILE');
const node = await openNode();
const stored = orExit(await node.call('storage.upload', { name: basename(file), dataBase64: readFileSync(file).toString('base64') }));
const announced = orExit(await node.call('mesh.announceBlock', { cid: stored.id }));
console.log(announced.cid);
node.close();
