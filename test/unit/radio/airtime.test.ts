import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  MODEM_PRESETS,
  airtimeBudgetPerHourMs,
  bitRate,
  isModemPresetName,
  regionRules,
  timeOnAirMs,
} from '../../../electron/node/radio/airtime.ts';

type Vectors = {
  presets: Record<string, { sf: number; bw_khz: number; cr: number; toa_ms: Record<string, number> }>;
};
const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/airtime-vectors.json', import.meta.url), 'utf8'),
) as Vectors;

describe('timeOnAirMs', () => {
  it('covers every preset of the vectors and no other', () => {
    expect(Object.keys(MODEM_PRESETS).sort()).toEqual(Object.keys(vectors.presets).sort());
  });

  for (const [name, vector] of Object.entries(vectors.presets)) {
    it(`matches the vectors for ${name} within 1 ms`, () => {
      if (!isModemPresetName(name)) throw new Error(`unknown preset ${name}`);
      const modem = MODEM_PRESETS[name];
      expect([modem.spreadingFactor, modem.bandwidthKhz, modem.codingRate]).toEqual([vector.sf, vector.bw_khz, vector.cr]);
      for (const [size, expected] of Object.entries(vector.toa_ms)) {
        expect(Math.abs(timeOnAirMs(modem, Number(size)) - expected)).toBeLessThanOrEqual(1);
      }
    });
  }

  it('gives the documented bit rates', () => {
    expect(Math.round(bitRate(MODEM_PRESETS.SHORT_TURBO))).toBe(21_875);
    expect(Math.round(bitRate(MODEM_PRESETS.LONG_FAST))).toBe(1_074);
    expect(Math.round(bitRate(MODEM_PRESETS.LONG_SLOW))).toBe(183);
  });
});

describe('regionRules', () => {
  it('knows the duty-cycle limits', () => {
    expect(regionRules('EU_868').dutyCycle).toBe(0.1);
    expect(regionRules('EU_433').dutyCycle).toBe(0.1);
    expect(regionRules('UA_868').dutyCycle).toBe(0.01);
    expect(regionRules('US').dutyCycle).toBe(1);
    expect(airtimeBudgetPerHourMs('EU_868')).toBe(360_000);
    expect(airtimeBudgetPerHourMs('US')).toBe(Number.POSITIVE_INFINITY);
  });

  it('never lets an UNSET region transmit', () => {
    expect(regionRules('UNSET').mayTransmit).toBe(false);
    expect(airtimeBudgetPerHourMs('UNSET')).toBe(0);
  });

  it('allows about 167 full LONG_FAST frames an hour in EU_868', () => {
    const frames = airtimeBudgetPerHourMs('EU_868') / timeOnAirMs(MODEM_PRESETS.LONG_FAST, 255);
    expect(Math.round(frames)).toBe(167);
  });
});
