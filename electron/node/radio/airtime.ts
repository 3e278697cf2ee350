// LoRa time on air for Meshtastic modem presets (firmware `RadioInterface::getPacketTime`,
// Semtech AN1200.13) and the regional duty-cycle limits the firmware enforces.

export type ModemPresetName =
  | 'SHORT_TURBO'
  | 'SHORT_FAST'
  | 'SHORT_SLOW'
  | 'MEDIUM_FAST'
  | 'MEDIUM_SLOW'
  | 'LONG_TURBO'
  | 'LONG_FAST'
  | 'LONG_MODERATE'
  | 'LONG_SLOW';

export type ModemPreset = {
  readonly name: ModemPresetName;
  /** `Config.LoRaConfig.ModemPreset` enum value on the wire. */
  readonly wireValue: number;
  readonly spreadingFactor: number;
  readonly bandwidthKhz: number;
  /** Coding rate denominator: 5 means 4/5, 8 means 4/8. */
  readonly codingRate: number;
};

const preset = (
  name: ModemPresetName,
  wireValue: number,
  spreadingFactor: number,
  bandwidthKhz: number,
  codingRate: number,
): ModemPreset => ({ name, wireValue, spreadingFactor, bandwidthKhz, codingRate });

export const MODEM_PRESETS: Readonly<Record<ModemPresetName, ModemPreset>> = {
  SHORT_TURBO: preset('SHORT_TURBO', 8, 7, 500, 5),
  SHORT_FAST: preset('SHORT_FAST', 6, 7, 250, 5),
  SHORT_SLOW: preset('SHORT_SLOW', 5, 8, 250, 5),
  MEDIUM_FAST: preset('MEDIUM_FAST', 4, 9, 250, 5),
  MEDIUM_SLOW: preset('MEDIUM_SLOW', 3, 10, 250, 5),
  LONG_TURBO: preset('LONG_TURBO', 9, 11, 500, 8),
  LONG_FAST: preset('LONG_FAST', 0, 11, 250, 5),
  LONG_MODERATE: preset('LONG_MODERATE', 7, 11, 125, 8),
  LONG_SLOW: preset('LONG_SLOW', 1, 12, 125, 8),
};

export const DEFAULT_MODEM_PRESET: ModemPresetName = 'LONG_FAST';

export function isModemPresetName(name: string): name is ModemPresetName {
  return Object.hasOwn(MODEM_PRESETS, name);
}

/** The Meshtastic packet header the radio sends in front of the encoded `Data`. */
export const MESH_HEADER_BYTES = 16;
const PREAMBLE_SYMBOLS = 16;
/** Above this symbol time the radio turns on low-data-rate optimisation. */
const LOW_DATA_RATE_SYMBOL_MS = 16;

export function symbolTimeMs(modem: ModemPreset): number {
  return 2 ** modem.spreadingFactor / modem.bandwidthKhz;
}

/**
 * Time on air in milliseconds of a LoRa packet of `phyPayloadBytes` (16-byte mesh header +
 * encoded Data): preamble 16 symbols, explicit header, CRC on.
 */
export function timeOnAirMs(modem: ModemPreset, phyPayloadBytes: number): number {
  const tSym = symbolTimeMs(modem);
  const sf = modem.spreadingFactor;
  const lowDataRate = tSym > LOW_DATA_RATE_SYMBOL_MS ? 1 : 0;
  const payloadSymbols =
    8 +
    Math.max(
      Math.ceil((8 * phyPayloadBytes - 4 * sf + 44) / (4 * (sf - 2 * lowDataRate))) * modem.codingRate,
      0,
    );
  return (PREAMBLE_SYMBOLS + 4.25) * tSym + payloadSymbols * tSym;
}

/** Raw LoRa bit rate: SF * BW / 2^SF * 4/CR. */
export function bitRate(modem: ModemPreset): number {
  return ((modem.spreadingFactor * modem.bandwidthKhz * 1000) / 2 ** modem.spreadingFactor) * (4 / modem.codingRate);
}

// Regions by `Config.LoRaConfig.RegionCode` name. Only the ones with a limit or special meaning
// are listed; every other region transmits without a duty-cycle limit.
export type RegionName = string;

export const UNSET_REGION: RegionName = 'UNSET';
const DUTY_CYCLE_PERCENT_PER_HOUR: Readonly<Record<string, number>> = {
  EU_433: 10,
  EU_868: 10,
  UA_868: 1,
};
export const DUTY_CYCLE_WINDOW_MS = 60 * 60 * 1000;

export type RegionRules = {
  readonly name: RegionName;
  /** False for UNSET: an unconfigured device never transmits. */
  readonly mayTransmit: boolean;
  /** Share of the rolling hour the radio may transmit, 1 when unlimited. */
  readonly dutyCycle: number;
};

export function regionRules(name: RegionName): RegionRules {
  const percent = DUTY_CYCLE_PERCENT_PER_HOUR[name];
  return { name, mayTransmit: name !== UNSET_REGION, dutyCycle: percent === undefined ? 1 : percent / 100 };
}

/** Airtime in ms a region allows per rolling hour (Infinity when unlimited, 0 for UNSET). */
export function airtimeBudgetPerHourMs(name: RegionName): number {
  const rules = regionRules(name);
  if (!rules.mayTransmit) return 0;
  return rules.dutyCycle >= 1 ? Number.POSITIVE_INFINITY : rules.dutyCycle * DUTY_CYCLE_WINDOW_MS;
}
