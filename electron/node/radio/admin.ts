// Settings Pakit changes on its own radio, as the stock Meshtastic apps do: an AdminMessage on
// ADMIN_APP to the device's own node number, asking for a response (the firmware answers with a
// Routing reply; a change of LoRa region makes firmware 2.6 restart 7 s later, 2.7 applies it live).
import { create, toBinary } from '@bufbuild/protobuf';
import { Admin, Config, Mesh, Portnums } from '@meshtastic/protobufs';
import { OWNER_LONG_NAME_BYTES, OWNER_SHORT_NAME_BYTES } from '../../../shared/contract/index.ts';
import { RadioError } from './errors.ts';

export const ADMIN_APP_PORT = Portnums.PortNum.ADMIN_APP as number;

const utf8 = new TextEncoder();

/** Region codes an operator may choose (the firmware's RegionCode without UNSET). */
export const REGION_NAMES: readonly string[] = Object.entries(Config.Config_LoRaConfig_RegionCode)
  .filter(([name, value]) => typeof value === 'number' && name !== 'UNSET')
  .map(([name]) => name);

/** Decoded LoRa config as the handshake delivered it; sent back whole with one field changed, as stock apps do. */
export type LoraConfigMessage = { region: number; modemPreset: number; txEnabled: boolean; [field: string]: unknown };

export function ownerProblem(longName: string, shortName: string): RadioError | undefined {
  const long = longName.trim();
  const short = shortName.trim();
  if (long === '' || short === '') {
    return new RadioError('rejected', 'The radio needs both a long and a short name.', { fix: 'Fill in both names (the short one shows on small screens and the map).' });
  }
  if (utf8.encode(long).length > OWNER_LONG_NAME_BYTES) {
    return new RadioError('rejected', `The long name takes ${utf8.encode(long).length} bytes; the radio keeps at most ${OWNER_LONG_NAME_BYTES}.`, { fix: 'Shorten it (accented letters and emoji take 2 to 4 bytes each).' });
  }
  if (utf8.encode(short).length > OWNER_SHORT_NAME_BYTES) {
    return new RadioError('rejected', `The short name takes ${utf8.encode(short).length} bytes; the radio keeps at most ${OWNER_SHORT_NAME_BYTES}.`, { fix: 'Use up to 4 letters or digits, or one emoji.' });
  }
  return undefined;
}

export function setOwnerMessage(longName: string, shortName: string): Uint8Array {
  const user = create(Mesh.UserSchema, { longName: longName.trim(), shortName: shortName.trim() });
  return toBinary(Admin.AdminMessageSchema, create(Admin.AdminMessageSchema, { payloadVariant: { case: 'setOwner', value: user } }));
}

export function regionCodeOf(name: string): number | undefined {
  return REGION_NAMES.includes(name) ? (Config.Config_LoRaConfig_RegionCode[name as keyof typeof Config.Config_LoRaConfig_RegionCode] as number) : undefined;
}

/** The device's LoRa config with only the region changed; from UNSET the firmware enables transmit itself. */
export function setRegionMessage(current: LoraConfigMessage | undefined, region: number): Uint8Array {
  const lora = create(Config.Config_LoRaConfigSchema, { ...(current ?? { usePreset: true, hopLimit: 3, txEnabled: true }), region });
  const config = create(Config.ConfigSchema, { payloadVariant: { case: 'lora', value: lora } });
  return toBinary(Admin.AdminMessageSchema, create(Admin.AdminMessageSchema, { payloadVariant: { case: 'setConfig', value: config } }));
}

/**
 * How a channel's key protects it: none (no key, or key 0), the default key every Meshtastic device
 * knows (one byte 1..10: public, not private), or a key of its own (16 or 32 bytes).
 */
export function channelEncryption(psk: Uint8Array): 'none' | 'default' | 'private' {
  if (psk.length === 0 || (psk.length === 1 && psk[0] === 0)) return 'none';
  return psk.length === 1 ? 'default' : 'private';
}
