// When a simulated device may key up: the firmware's contention timing (RadioInterface.cpp of
// 2.6.11, `computeSlotTimeMsec`, `getTxDelayMsec`, `getCWsize`, `getTxDelayMsecWeighted`,
// `getRetransmissionMsec`). Pure: randomness is injected, so a seed replays the same delays.
import { symbolTimeMs, type ModemPreset } from '../node/radio/index.ts';
import { randomInt, type Random } from './random.ts';

/** Contention window exponents: a window holds 2^CW slots. */
export const CW_MIN = 3;
export const CW_MAX = 8;
/** The SNR range the firmware maps onto CW_MIN..CW_MAX for rebroadcasts. */
const SNR_MIN_DB = -20;
const SNR_MAX_DB = 10;
/** CAD takes 2 symbols + 0.5 on SX126x (2.25 on SX127x); the rest is propagation, turnaround, MAC. */
const CAD_SYMBOLS = 2.5;
const CAD_DETECT_SYMBOLS = 2;
const PROPAGATION_TURNAROUND_MAC_MS = 0.2 + 0.4 + 7;
const PROCESSING_TIME_MS = 4500;

/** Time to notice that someone else started sending; whole ms, as the firmware keeps it in a uint32. */
export function slotTimeMs(modem: ModemPreset): number {
  return Math.trunc(CAD_SYMBOLS * symbolTimeMs(modem) + PROPAGATION_TURNAROUND_MAC_MS);
}

/**
 * How long a frame must have been on air before channel activity detection notices it, with the
 * simulator keying up the moment a delay ends. A radio keys up turnaround + MAC time after a clear
 * CAD, and CAD needs 2 of the other frame's symbols: two radios whose delays end in the same slot
 * both find the channel clear and collide, as on real hardware.
 */
export function activityDetectionMs(modem: ModemPreset): number {
  return CAD_DETECT_SYMBOLS * symbolTimeMs(modem) + PROPAGATION_TURNAROUND_MAC_MS;
}

/**
 * Arduino's integer `map()`: the float argument is truncated to a long and the result is not
 * clamped, so an SNR above +10 dB gives a window beyond CW_MAX, as on a real device.
 */
function arduinoMap(value: number, inMin: number, inMax: number, outMin: number, outMax: number): number {
  return Math.trunc(((Math.trunc(value) - inMin) * (outMax - outMin)) / (inMax - inMin)) + outMin;
}

/** The window grows with the channel utilisation (percent of the last minute heard or sent). */
export function utilizationWindow(channelUtilizationPercent: number): number {
  return arduinoMap(channelUtilizationPercent, 0, 100, CW_MIN, CW_MAX);
}

/** Rebroadcast window: a weak copy (far from its sender) gets a small window, so it goes first. */
export function snrWindow(snrDb: number): number {
  return arduinoMap(snrDb, SNR_MIN_DB, SNR_MAX_DB, CW_MIN, CW_MAX);
}

/** Delay before sending an own packet: a random whole number of slots in [0, 2^CW). */
export function txDelayMs(random: Random, modem: ModemPreset, channelUtilizationPercent: number): number {
  return randomInt(random, 0, 2 ** utilizationWindow(channelUtilizationPercent)) * slotTimeMs(modem);
}

/**
 * Delay before rebroadcasting a packet heard with `snrDb`, for the CLIENT role: 2 * CW_MAX slots
 * first (the time routers get to go ahead), then a random slot in the SNR window.
 */
export function rebroadcastDelayMs(random: Random, modem: ModemPreset, snrDb: number): number {
  return (2 * CW_MAX + randomInt(random, 0, 2 ** snrWindow(snrDb))) * slotTimeMs(modem);
}

/**
 * How long a want_ack sender waits for an (implicit) ack before sending again: its own airtime
 * and the ack's, the largest delay on a channel this busy, and a relay at mid-range SNR.
 */
export function retransmissionTimeoutMs(modem: ModemPreset, airtimeMs: number, channelUtilizationPercent: number): number {
  const slots = 2 ** utilizationWindow(channelUtilizationPercent) + 2 * CW_MAX + 2 ** Math.trunc((CW_MAX + CW_MIN) / 2);
  return 2 * airtimeMs + slots * slotTimeMs(modem) + PROCESSING_TIME_MS;
}
