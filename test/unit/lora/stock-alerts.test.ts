import { describe, expect, it } from 'vitest';
import { alertTextOf, bellAlertText, isCopyOf } from '../../../electron/node/lora/stock-alerts.ts';

describe('stock alerts', () => {
  it('words a Pakit emergency for stock apps within their 200 bytes, cut at a character', () => {
    expect(alertTextOf('urgent', 'Road washed out at km 12')).toBe('EMERGENCY (URGENT): Road washed out at km 12');
    const long = alertTextOf('life_threatening', 'Água '.repeat(80));
    expect(new TextEncoder().encode(long).length).toBeLessThanOrEqual(200);
    expect(long.startsWith('EMERGENCY (LIFE-THREATENING): Água')).toBe(true);
    expect(long).not.toMatch(/\uFFFD/);
  });

  it('takes a text starting with the bell as an alert, without the bell', () => {
    expect(bellAlertText('\u0007 Smoke north')).toBe('Smoke north');
    expect(bellAlertText('Smoke \u0007 north')).toBeUndefined();
  });

  it('recognises the ALERT_APP copy of a signed emergency: same radio, close in time, same words', () => {
    const signed = { fromNode: '!0000abcd', at: 1_000_000, priority: 'urgent' as const, text: 'Bridge down' };
    expect(isCopyOf('EMERGENCY (URGENT): Bridge down', '!0000abcd', 1_005_000, signed)).toBe(true);
    expect(isCopyOf('EMERGENCY (URGENT): Bridge down', '!0000ffff', 1_005_000, signed)).toBe(false); // another radio
    expect(isCopyOf('EMERGENCY (URGENT): Bridge down', '!0000abcd', 1_000_000 + 16 * 60_000, signed)).toBe(false); // much later: another event
    expect(isCopyOf('Bridge down', '!0000abcd', 1_005_000, signed)).toBe(false); // a person's own alert
    expect(isCopyOf('EMERGENCY (URGENT): Bridge down', '!0000abcd', 1_005_000, { ...signed, signed: false })).toBe(false); // never an unsigned one
  });
});
