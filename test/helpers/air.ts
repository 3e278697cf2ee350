import { Mesh, Portnums } from '@meshtastic/protobufs';
import { frameTypeCode } from '../../electron/node/lora/index.ts';
import type { MeshAirFrame, SimMesh } from '../../electron/sim/index.ts';
import { decodeMessage, type DataMessage } from '../../electron/sim/messages.ts';

/** What a frame going on air carries: `code` is our message type code for PRIVATE_APP frames (wire.ts frameTypeCode). */
export type OnAir = { from: number; frame: MeshAirFrame; data: DataMessage; code: number | undefined };

/** Calls `listener` for every frame the simulated medium puts on air, before it goes. */
export function watchAir(mesh: SimMesh, listener: (onAir: OnAir) => void): void {
  const transmit = mesh.medium.transmit.bind(mesh.medium);
  mesh.medium.transmit = (from, frame) => {
    const data = decodeMessage<DataMessage>(Mesh.DataSchema, frame.data);
    listener({ from, frame, data, code: data.portnum === Portnums.PortNum.PRIVATE_APP ? frameTypeCode(data.payload) : undefined });
    return transmit(from, frame);
  };
}
