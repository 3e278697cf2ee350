// The firmware's stream API over a USB serial port (T-Beam, Heltec, RAK) at 115200 baud.
import { SerialPort } from 'serialport';
import { radioErrors, type RadioError } from '../errors.ts';
import { StreamTransport, type RadioTransport } from './transport.ts';

export const SERIAL_BAUD_RATE = 115_200;

/**
 * What went wrong opening a serial port, in the operator's terms. The native binding reports
 * strerror text ("Error: Permission denied, cannot open ...", "Error Resource temporarily
 * unavailable Cannot lock port") and Node reports codes; both are recognised.
 */
export function serialOpenError(path: string, error: unknown): RadioError {
  const code = (error as { code?: unknown } | null)?.code;
  const text = error instanceof Error ? error.message : String(error);
  if (code === 'EACCES' || code === 'EPERM' || /permission denied|operation not permitted/i.test(text)) {
    return radioErrors.permissionDenied(path, error);
  }
  if (code === 'EBUSY' || code === 'EAGAIN' || /resource busy|resource temporarily unavailable|cannot lock/i.test(text)) {
    return radioErrors.portBusy(path, error);
  }
  // ENOENT, ENXIO, ENODEV and anything unexpected: there is no usable device at that path.
  return radioErrors.deviceNotFound(path, error);
}

/** Opens the port; rejects only with a RadioError. */
export function openSerialTransport(path: string): Promise<RadioTransport> {
  // hupcl false: dropping DTR on close (and the open's DTR/RTS toggle) resets ESP32 boards.
  const port = new SerialPort({ path, baudRate: SERIAL_BAUD_RATE, hupcl: false, autoOpen: false });
  return new Promise((resolve, reject) => {
    port.open((openError) => {
      if (openError) {
        reject(serialOpenError(path, openError));
        return;
      }
      const transport = new StreamTransport('serial', path, {
        write: (bytes) => {
          if (port.isOpen) port.write(bytes);
        },
        destroy: () => {
          if (port.isOpen) port.close();
        },
      });
      port.on('data', (chunk: Buffer) => transport.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
      // A read or write error on an open port means the device went away (EIO, EBADF, ENXIO).
      port.on('error', (error) => {
        transport.ended(radioErrors.unplugged(path, error));
        if (port.isOpen) port.close();
      });
      port.on('close', (error: Error | null) => transport.ended(radioErrors.unplugged(path, error ?? undefined)));
      resolve(transport);
    });
  });
}
