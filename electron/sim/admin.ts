// What a simulated device does with an AdminMessage its client sends to it, after firmware 2.6.11's
// AdminModule: set_owner takes the non-empty names (cut to the firmware's char[40] / char[5]) and, if
// they changed, the device announces its NodeInfo; set_config with LoRa settings takes them into the
// config at once (from UNSET the firmware also turns transmit on) and, when a radio parameter (the
// region among them) changed, reboots the device DEFAULT_REBOOT_SECONDS later. Every request with want_response gets a Routing reply (NONE) unless
// it has an answer of its own. What the device does with the outcome is SimDevice's part.
import { Admin, Config } from '@meshtastic/protobufs';
import { decodeMessage } from './messages.ts';

/** firmware configuration.h */
export const DEFAULT_REBOOT_SECONDS = 7;
const LONG_NAME_BYTES = 39;
const SHORT_NAME_BYTES = 4;

export type AdminOutcome =
  | { kind: 'set_owner'; longName: string | undefined; shortName: string | undefined }
  | { kind: 'set_region'; region: string; reboot: boolean }
  | { kind: 'get_channel'; index: number }
  /** A request the firmware takes without a change we model (other configs, edit transactions). */
  | { kind: 'accepted' }
  /** Unreadable, or a value the firmware refuses (BAD_REQUEST). */
  | { kind: 'bad_request' };

type AdminView = { payloadVariant: { case: string | undefined; value?: unknown } };
type UserView = { longName: string; shortName: string };
type LoraView = { region: number; modemPreset: number; usePreset: boolean; bandwidth: number; spreadFactor: number; codingRate: number };

/** `current`: the device's region and modem settings, to tell whether a LoRa config changes anything. */
export function readAdmin(payload: Uint8Array, current: { region: string; lora: LoraView }): AdminOutcome {
  let admin: AdminView;
  try {
    admin = decodeMessage<AdminView>(Admin.AdminMessageSchema, payload);
  } catch {
    return { kind: 'bad_request' };
  }
  const { case: kind, value } = admin.payloadVariant;
  switch (kind) {
    case 'setOwner': {
      const user = value as UserView;
      return { kind: 'set_owner', longName: cut(user.longName, LONG_NAME_BYTES), shortName: cut(user.shortName, SHORT_NAME_BYTES) };
    }
    case 'setConfig': {
      const config = value as { payloadVariant: { case: string | undefined; value?: unknown } };
      if (config.payloadVariant.case !== 'lora') return { kind: 'accepted' };
      const lora = config.payloadVariant.value as LoraView;
      const region = Config.Config_LoRaConfig_RegionCode[lora.region];
      if (region === undefined) return { kind: 'bad_request' };
      const radioChanged = (['region', 'modemPreset', 'usePreset', 'bandwidth', 'spreadFactor', 'codingRate'] as const).some((field) => lora[field] !== current.lora[field]);
      return { kind: 'set_region', region, reboot: radioChanged };
    }
    case 'getChannelRequest': {
      const index = (value as number) - 1; // the request carries index + 1
      return index >= 0 && index < 8 ? { kind: 'get_channel', index } : { kind: 'bad_request' };
    }
    case undefined:
      return { kind: 'bad_request' };
    default:
      return { kind: 'accepted' };
  }
}

/** strncpy into a char[n + 1]: at most n bytes; an empty name leaves the old one (firmware: `if (*o.long_name)`). */
function cut(name: string, maxBytes: number): string | undefined {
  if (name === '') return undefined;
  const bytes = new TextEncoder().encode(name);
  if (bytes.length <= maxBytes) return name;
  // The firmware cuts bytes; we keep whole characters so the name stays valid UTF-8.
  let text = '';
  for (const char of name) {
    if (new TextEncoder().encode(text + char).length > maxBytes) break;
    text += char;
  }
  return text;
}
