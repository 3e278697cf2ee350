// Emergencies in the stock Meshtastic world: each Pakit emergency also goes out as ALERT_APP text
// (what the apps and the firmware's external notification treat as an alert), and stock alerts,
// ALERT_APP or a text starting with the bell character, raise our banner, marked not signed.
import { Portnums } from '@meshtastic/protobufs';
import type { EmergencyPriority } from '../../../shared/contract/index.ts';
import { MAX_TEXT_PART_BYTES } from '../../../shared/contract/index.ts';
import { splitByBytes } from '../messages/split.ts';

export const ALERT_APP_PORT = Portnums.PortNum.ALERT_APP as number;
/** ASCII BEL: the firmware's external notification rings for a text that contains it (alert_bell). */
export const BELL = '\u0007';
/** A stock copy of a signed emergency arrives within seconds of it; older records are other events. */
const SAME_EVENT_MS = 15 * 60_000;

const PRIORITY_WORDS: Record<EmergencyPriority, string> = { advisory: 'ADVISORY', urgent: 'URGENT', life_threatening: 'LIFE-THREATENING' };

type Position = { readonly latitude: number; readonly longitude: number };

/** The ALERT_APP text of an emergency, with the author's fix, within the stock apps' 200 bytes, cut at a character boundary. */
export function alertTextOf(priority: EmergencyPriority, text: string, position?: Position): string {
  return withinOnePart(`EMERGENCY (${PRIORITY_WORDS[priority]}): ${text}${position ? ` [at ${coordinates(position)}]` : ''}`);
}

/** The stock apps' notice that an emergency is over (a plain text: an alert would ring again). */
export function allClearTextOf(emergencyText: string, why: string): string {
  return withinOnePart(`ALL CLEAR${why ? `: ${why}` : ''} (was: ${emergencyText})`);
}

/** Five decimals: about a metre, as the apps show positions. */
function coordinates(position: Position): string {
  return `${position.latitude.toFixed(5)}, ${position.longitude.toFixed(5)}`;
}

function withinOnePart(text: string): string {
  const [head = ''] = splitByBytes(text, MAX_TEXT_PART_BYTES);
  return head;
}

/** A stock text that is an alert: the bell first (the bell itself is not shown). */
export function bellAlertText(text: string): string | undefined {
  return text.startsWith(BELL) ? text.slice(BELL.length).trim() : undefined;
}

/**
 * Whether a stock alert from `fromNode` is the ALERT_APP copy of the signed emergency `record` (a
 * Pakit node sends both): same radio, close in time, and the copy holds the start of the text.
 */
export function isCopyOf(
  alertText: string,
  fromNode: string,
  at: number,
  record: { fromNode?: string | undefined; signed?: boolean | undefined; at: number; priority: EmergencyPriority; text: string; position?: Position | undefined },
): boolean {
  if (record.fromNode !== fromNode || record.signed === false || Math.abs(record.at - at) > SAME_EVENT_MS) return false;
  return alertText === alertTextOf(record.priority, record.text, record.position);
}
