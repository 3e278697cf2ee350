// File transfer across a relay (issue 12), measured with real nodes on simulated radios over TCP
// (LONG_FAST, region US: no duty cycle; node and radio time 40x the wall clock), a 50 KB file of
// random bytes, no loss. The holder and the asker stand at the two ends of a line; in the 2-hop case
// the middle radio is a plain Meshtastic CLIENT that relays and the ends cannot hear each other.
//   lora.mesh.file_2hop_efficiency: file bytes divided by the payload bytes of every file-protocol
//     frame on air from the request until the holder has the final ack, every transmission counted
//     (the relay's rebroadcast of each frame too). Target >= 0.45: each frame crosses the air twice,
//     so the ideal is half the one-hop figure (0.966 / 2 = 0.483).
//   lora.mesh.file_1hop_efficiency: the baseline in the same run, the same file between neighbours.
//   lora.mesh.file_2hop_ratio: 2-hop over 1-hop efficiency; 0.5 when the relay costs exactly one
//     more transmission of every frame and nothing else (no frame crossing further than needed).
//   lora.mesh.file_2hop_time_ratio: radio time of the 2-hop transfer over the 1-hop one (the holder
//     keeps its pace; the relay's copies share the channel).
import { ourTransfer } from './lora.ts';

const SEED = 41;

/** The lora.mesh.file_* figures, for this suite and for joining into a larger lora-mesh suite. */
export async function fileAcrossRelay(log: (line: string) => void): Promise<Record<string, number>> {
  const oneHop = await ourTransfer(0, SEED, log, 2);
  const twoHops = await ourTransfer(0, SEED, log, 3);
  const efficiency = (transfer: { fileBytes: number; bytesOnAir: number }) => transfer.fileBytes / transfer.bytesOnAir;
  return {
    'lora.mesh.file_2hop_efficiency': efficiency(twoHops),
    'lora.mesh.file_1hop_efficiency': efficiency(oneHop),
    'lora.mesh.file_2hop_ratio': efficiency(twoHops) / efficiency(oneHop),
    'lora.mesh.file_2hop_time_ratio': twoHops.radioMs / oneHop.radioMs,
  };
}

export const run = fileAcrossRelay;
