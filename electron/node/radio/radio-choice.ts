// Which radio a node connects to by itself at start (`--radio` / MESH_LORA_PORT): a serial path, a
// TCP address (`tcp://HOST[:PORT]`: Wi-Fi nodes, meshtasticd, the simulator), or `auto`: the first
// Meshtastic board found by its USB id, looked for again until one is plugged in.
import type { Clock } from '../clock.ts';
import { ConfigError } from '../config.ts';
import type { PortDescriptor } from './link.ts';
import type { SerialPortCandidate } from './ports.ts';
import { DEFAULT_TCP_PORT } from './transports/tcp.ts';

export type RadioChoice = { kind: 'auto' } | PortDescriptor;

/** What a value may look like, for the operator's error message. */
export const RADIO_CHOICE_FORMS = 'auto, a serial device path (/dev/ttyUSB0, /dev/serial/by-id/…, COM3) or tcp://HOST[:PORT]';

/** The radio a setting names, or undefined when the text is none of the forms. */
export function parseRadioChoice(text: string): RadioChoice | undefined {
  const value = text.trim();
  if (value === 'auto') return { kind: 'auto' };
  if (/^tcp:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return undefined;
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!host || url.pathname.replace(/^\/$/, '') !== '' || url.search || url.username) return undefined;
    return { kind: 'tcp', host, port: url.port === '' ? DEFAULT_TCP_PORT : Number(url.port) };
  }
  if (/^\/dev\/\S+$/.test(value) || /^COM\d{1,3}$/i.test(value)) return { kind: 'serial', path: value };
  return undefined;
}

/** The radio a setting names (`--radio`, MESH_LORA_PORT); undefined when unset; a ConfigError naming it when bad. */
export function radioChoiceSetting(setting: string, text: string | undefined): RadioChoice | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const choice = parseRadioChoice(text);
  if (!choice) throw new ConfigError(setting, text, RADIO_CHOICE_FORMS);
  return choice;
}

export type AutoRadioOptions = {
  clock: Clock;
  /** Serial ports as port discovery lists them (recognised boards first). */
  listPorts: () => Promise<SerialPortCandidate[]>;
  /** Connects and keeps the link to that port (the link reconnects after an unplug by itself). */
  connect: (port: PortDescriptor) => void;
  log: (level: 'info' | 'warn', message: string) => void;
  /** How often to look again while no board is plugged in. */
  intervalMs?: number;
};

/**
 * Looks for a Meshtastic board among the serial ports until one turns up, then hands it to the
 * link. Says once that it is waiting (not on every look), so a relay's log stays readable.
 */
export class AutoRadio {
  readonly #options: AutoRadioOptions;
  #timer: unknown;
  #stopped = false;
  #saidWaiting = false;

  constructor(options: AutoRadioOptions) {
    this.#options = options;
  }

  start(): void {
    void this.#look();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
  }

  async #look(): Promise<void> {
    const ports = await this.#options.listPorts();
    if (this.#stopped) return;
    const board = ports.find((port) => port.board !== undefined);
    if (board) {
      this.#options.log('info', `Found a ${board.board} at ${board.path}: connecting to it.`);
      this.#options.connect({ kind: 'serial', path: board.path });
      return;
    }
    if (!this.#saidWaiting) {
      this.#saidWaiting = true;
      const others = ports.length === 0 ? 'no serial ports' : `${ports.length} serial port${ports.length === 1 ? '' : 's'}, none a known Meshtastic board`;
      this.#options.log(
        'warn',
        `Waiting for a Meshtastic radio on USB (${others}). Plug one in and it connects by itself, or name it with --radio PATH or MESH_LORA_PORT.`,
      );
    }
    this.#timer = this.#options.clock.setTimeout(() => void this.#look(), this.#options.intervalMs ?? 5_000);
  }
}
