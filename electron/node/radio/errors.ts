// Typed radio failures with words for the operator and what to do about them. Every failure the
// radio layer reports is one of these; `toContractError()` is how it crosses the API.
import type { ContractError } from '../../../shared/contract/errors.ts';

export type RadioErrorCode =
  | 'permission_denied'
  | 'port_busy'
  | 'device_not_found'
  | 'unplugged'
  | 'device_restarted'
  | 'firmware_too_old'
  | 'region_unset'
  | 'channel_missing'
  | 'not_meshtastic'
  | 'payload_too_large'
  | 'bluetooth_unavailable'
  | 'routing_error'
  | 'rejected'
  | 'queue_full'
  | 'timeout'
  | 'closed';

/** Largest PRIVATE_APP payload the firmware carries (FIELD-NOTES §2: measured, not the seed's 237). */
export const MAX_PAYLOAD_BYTES = 231;
/** Oldest firmware we accept: QueueStatus, config_complete_id and metadata all behave as we expect. */
export const MIN_FIRMWARE_VERSION = '2.3.0';

/** Firmware `Routing.Error` names by wire value (protobufs 2.7.18). */
const ROUTING_ERROR_NAMES: Readonly<Record<number, string>> = {
  0: 'NONE',
  1: 'NO_ROUTE',
  2: 'GOT_NAK',
  3: 'TIMEOUT',
  4: 'NO_INTERFACE',
  5: 'MAX_RETRANSMIT',
  6: 'NO_CHANNEL',
  7: 'TOO_LARGE',
  8: 'NO_RESPONSE',
  9: 'DUTY_CYCLE_LIMIT',
  32: 'BAD_REQUEST',
  33: 'NOT_AUTHORIZED',
  34: 'PKI_FAILED',
  35: 'PKI_UNKNOWN_PUBKEY',
  36: 'ADMIN_BAD_SESSION_KEY',
  37: 'ADMIN_PUBLIC_KEY_UNAUTHORIZED',
  38: 'RATE_LIMIT_EXCEEDED',
  39: 'PKI_SEND_FAIL_PUBLIC_KEY',
};

export function routingErrorName(value: number): string {
  return ROUTING_ERROR_NAMES[value] ?? `ERROR_${value}`;
}

const ROUTING_ERROR_TEXT: Readonly<Record<string, { message: string; fix?: string }>> = {
  MAX_RETRANSMIT: {
    message: 'The radio sent the packet 3 times and heard no acknowledgement: the destination is probably out of range or switched off.',
    fix: 'Move closer, add a relay node, or try again later.',
  },
  NO_RESPONSE: { message: 'The destination received the packet but had no application to answer it.' },
  TOO_LARGE: { message: 'The radio refused the packet because it does not fit in one LoRa frame.' },
  DUTY_CYCLE_LIMIT: {
    message: "The radio has used up this hour's legal airtime for its region (duty-cycle limit) and will not transmit for now.",
    fix: 'Wait; airtime frees up over the hour. Sending less or using a faster modem preset helps.',
  },
  RATE_LIMIT_EXCEEDED: { message: 'The radio is rate-limiting this kind of packet.', fix: 'Send less often.' },
  NO_ROUTE: { message: 'The radio knows no route to the destination.' },
  NO_CHANNEL: {
    message: 'The destination does not share the channel the packet was sent on.',
    fix: 'Use the same channel name and key on every node.',
  },
  NO_INTERFACE: { message: 'The radio has no interface that can send the packet (its LoRa radio may be off).' },
  TIMEOUT: { message: 'The radio timed out waiting for the packet to go out.' },
  GOT_NAK: { message: 'The destination refused the packet.' },
};

export type RadioErrorOptions = { fix?: string | undefined; routingError?: string | undefined; cause?: unknown };

export class RadioError extends Error {
  readonly code: RadioErrorCode;
  /** What the operator can do about it. */
  readonly fix: string | undefined;
  /** The firmware's `Routing.Error` name, for `routing_error` only. */
  readonly routingError: string | undefined;

  constructor(code: RadioErrorCode, message: string, options: RadioErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RadioError';
    this.code = code;
    this.fix = options.fix;
    this.routingError = options.routingError;
  }

  /** The API shape: the caller gave a bad packet (`invalid_input`), else the radio is `unavailable`. */
  toContractError(): ContractError {
    const code = this.code === 'payload_too_large' ? 'invalid_input' : 'unavailable';
    return { code, message: this.message, reason: this.code, ...(this.fix === undefined ? {} : { fix: this.fix }) };
  }
}

export const radioErrors = {
  permissionDenied: (path: string, cause?: unknown) =>
    new RadioError('permission_denied', `This user may not open the radio's serial port ${path}.`, {
      fix: 'Add yourself to the dialout group: run `sudo usermod -aG dialout $USER`, then log out and log in again.',
      cause,
    }),
  portBusy: (path: string, cause?: unknown) =>
    new RadioError('port_busy', `Another program is using the radio's serial port ${path}.`, {
      fix: 'Close the other program (the Meshtastic app or CLI, a serial monitor, ModemManager), then connect again.',
      cause,
    }),
  deviceNotFound: (where: string, cause?: unknown) =>
    new RadioError('device_not_found', `No radio found at ${where}.`, {
      fix: 'Check that the radio is switched on and plugged in (or reachable on the network), then pick it again.',
      cause,
    }),
  unplugged: (where: string, cause?: unknown) =>
    new RadioError('unplugged', `The radio at ${where} was disconnected.`, {
      fix: 'Plug it back in or bring it back in range; Pakit Mesh reconnects by itself.',
      cause,
    }),
  deviceRestarted: (where: string) =>
    new RadioError('device_restarted', `The radio at ${where} restarted.`, { fix: 'Nothing to do: Pakit Mesh reconnects by itself.' }),
  firmwareTooOld: (version: string) =>
    new RadioError('firmware_too_old', `The radio runs Meshtastic firmware ${version}; Pakit Mesh needs ${MIN_FIRMWARE_VERSION} or newer.`, {
      fix: 'Update the radio with the Meshtastic web flasher (flasher.meshtastic.org), then connect again.',
    }),
  regionUnset: () =>
    new RadioError('region_unset', 'The radio has no LoRa region set, so it will not transmit.', {
      fix: 'Choose the region of your country under Radio set-up in the Radio view (the radio restarts to apply it).',
    }),
  transmitDisabled: () =>
    new RadioError('region_unset', 'The radio refused to transmit: its LoRa transmitter is disabled or no region is set.', {
      fix: 'Set the LoRa region and enable transmitting (lora.tx_enabled) in the Meshtastic app.',
    }),
  channelMissing: (index: number) =>
    new RadioError('channel_missing', `Channel ${index}, which Pakit Mesh is set to use, is not enabled on the radio.`, {
      fix: 'Add the channel on the radio with the same name and key as your other nodes, or choose an enabled channel index in the settings.',
    }),
  notMeshtastic: (where: string, waitedMs: number) =>
    new RadioError('not_meshtastic', `The device at ${where} did not answer like a Meshtastic radio within ${Math.round(waitedMs / 1000)} s.`, {
      fix: 'Check that the port belongs to the radio and that it runs Meshtastic firmware with the serial API enabled.',
    }),
  payloadTooLarge: (bytes: number) =>
    new RadioError('payload_too_large', `The packet is ${bytes} bytes; one radio packet carries at most ${MAX_PAYLOAD_BYTES}.`, {
      fix: `Split the data into parts of at most ${MAX_PAYLOAD_BYTES} bytes.`,
    }),
  bluetoothUnavailable: () =>
    new RadioError('bluetooth_unavailable', 'Bluetooth is not available on this system.', {
      fix: 'Connect the radio with a USB cable or over the network (TCP) instead.',
    }),
  routing: (errorValue: number) => {
    const name = routingErrorName(errorValue);
    const text = ROUTING_ERROR_TEXT[name] ?? { message: `The radio reported routing error ${name}.` };
    return new RadioError('routing_error', text.message, { fix: text.fix, routingError: name });
  },
  rejected: (result: number) => new RadioError('rejected', `The radio refused the packet (error code ${result}).`),
  queueFull: () =>
    new RadioError('queue_full', "The radio's transmit queue stayed full.", { fix: 'Wait for the radio to send what it has queued.' }),
  timeout: (what: string, waitedMs: number) => new RadioError('timeout', `No ${what} from the radio within ${Math.round(waitedMs / 1000)} s.`),
  closed: () => new RadioError('closed', 'The radio connection was closed.'),
};
