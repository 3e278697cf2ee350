import { z } from 'zod';

/** The firmware's LoRa regions (RegionCode) an operator may choose; UNSET means the radio may not transmit. */
export const LORA_REGIONS = [
  'US', 'EU_433', 'EU_868', 'CN', 'JP', 'ANZ', 'KR', 'TW', 'RU', 'IN', 'NZ_865', 'TH', 'LORA_24', 'UA_433', 'UA_868',
  'MY_433', 'MY_919', 'SG_923', 'PH_433', 'PH_868', 'PH_915', 'ANZ_433', 'KZ_433', 'KZ_863', 'NP_865', 'BR_902',
] as const;
export const LoraRegion = z.enum(LORA_REGIONS);
export type LoraRegion = z.infer<typeof LoraRegion>;

/** A channel the radio has enabled, as the Radio view lists it. */
export const RadioChannel = z.object({
  index: z.number().int().min(0).max(7),
  role: z.enum(['PRIMARY', 'SECONDARY']),
  /** Empty on a primary channel that uses the preset's name (e.g. LongFast). */
  name: z.string(),
  /** none: no key; default: the key every Meshtastic device knows (readable by anyone); private: a key of its own. */
  encryption: z.enum(['none', 'default', 'private']),
});
export type RadioChannel = z.infer<typeof RadioChannel>;

/** Pakit traffic the radio delivered on a channel Pakit does not use: those peers cannot hear us. */
export const OtherChannelTraffic = z.object({ channel: z.number().int(), nodeIds: z.array(z.string()), lastAt: z.number() });

/** The firmware keeps owner names in char[40] and char[5], NUL included: bytes of UTF-8, not characters. */
export const OWNER_LONG_NAME_BYTES = 39;
export const OWNER_SHORT_NAME_BYTES = 4;

export const SetOwnerRequest = z
  .object({
    /** At most 39 bytes of UTF-8 (the firmware's limit); checked by the node with a clear refusal. */
    longName: z.string().trim().min(1).max(OWNER_LONG_NAME_BYTES),
    /** At most 4 bytes of UTF-8: 4 letters or one emoji. */
    shortName: z.string().trim().min(1).max(OWNER_SHORT_NAME_BYTES),
  })
  .strict();

export const SetRegionRequest = z
  .object({
    region: LoraRegion,
    /** The operator confirmed the band is legal where the radio is. */
    confirm: z.literal(true, { error: 'confirm that this region is legal where the radio is (confirm: true)' }),
  })
  .strict();

export const SetChannelRequest = z.object({ index: z.number().int().min(0).max(7) }).strict();
