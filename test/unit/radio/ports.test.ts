import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boardName, listSerialPorts } from '../../../electron/node/radio/ports.ts';

const noUdevadm = () => Promise.reject(new Error('spawn udevadm ENOENT'));

describe('boardName', () => {
  it('labels the USB serial chips of common Meshtastic boards', () => {
    expect(boardName('10c4', 'ea60')).toBe('T-Beam / Heltec (CP2102)');
    expect(boardName('0x1A86', '55D4')).toContain('CH9102');
    expect(boardName('1a86', '7523')).toContain('CH340');
    expect(boardName('303a', '1001')).toContain('ESP32-S3');
    expect(boardName('239a', '8029')).toContain('RAK4631');
    expect(boardName('0403', '6001')).toBeUndefined();
    expect(boardName(undefined, 'ea60')).toBeUndefined();
  });
});

describe('listSerialPorts', () => {
  let root: string;
  let dev: string;
  let sys: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'pakit-ports-'));
    dev = join(root, 'dev');
    sys = join(root, 'sys');
    for (const name of ['ttyUSB0', 'ttyACM0', 'ttyS0', 'tty1']) {
      mkdirSync(dev, { recursive: true });
      writeFileSync(join(dev, name), '');
    }
    mkdirSync(join(dev, 'serial', 'by-id'), { recursive: true });
    symlinkSync('../../ttyUSB0', join(dev, 'serial', 'by-id', 'usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0'));
    symlinkSync('../../ttyUSB7', join(dev, 'serial', 'by-id', 'usb-gone-if00-port0')); // dangling: unplugged

    // ttyUSB (usb-serial driver): `device` is a port below the interface, idVendor two levels up.
    const cp2102 = join(sys, 'devices', 'pci0000:00', 'usb1', '1-1');
    mkdirSync(join(cp2102, '1-1:1.0', 'ttyUSB0'), { recursive: true });
    writeFileSync(join(cp2102, 'idVendor'), '10c4\n');
    writeFileSync(join(cp2102, 'idProduct'), 'ea60\n');
    writeFileSync(join(cp2102, 'manufacturer'), 'Silicon Labs\n');
    writeFileSync(join(cp2102, 'product'), 'CP2102 USB to UART Bridge Controller\n');
    writeFileSync(join(cp2102, 'serial'), '0001\n');
    // ttyACM (cdc_acm): `device` is the interface, idVendor one level up.
    const rak = join(sys, 'devices', 'pci0000:00', 'usb1', '1-2');
    mkdirSync(join(rak, '1-2:1.0'), { recursive: true });
    writeFileSync(join(rak, 'idVendor'), '239a\n');
    writeFileSync(join(rak, 'idProduct'), '8029\n');
    for (const [name, target] of [
      ['ttyUSB0', join(cp2102, '1-1:1.0', 'ttyUSB0')],
      ['ttyACM0', join(rak, '1-2:1.0')],
    ] as const) {
      mkdirSync(join(sys, 'class', 'tty', name), { recursive: true });
      symlinkSync(target, join(sys, 'class', 'tty', name, 'device'));
    }
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('falls back to /dev and sysfs when SerialPort.list() fails (no udevadm)', async () => {
    const ports = await listSerialPorts({ list: noUdevadm, devRoot: dev, sysRoot: sys });
    expect(ports).toEqual([
      {
        path: join(dev, 'serial', 'by-id', 'usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0'),
        devicePath: join(dev, 'ttyUSB0'),
        vendorId: '10c4',
        productId: 'ea60',
        manufacturer: 'Silicon Labs',
        product: 'CP2102 USB to UART Bridge Controller',
        serialNumber: '0001',
        board: 'T-Beam / Heltec (CP2102)',
      },
      { path: join(dev, 'ttyACM0'), devicePath: join(dev, 'ttyACM0'), vendorId: '239a', productId: '8029', board: 'RAK4631 (nRF52840)' },
    ]);
  });

  it('lists a tty without sysfs entries unlabelled, after the recognised boards', async () => {
    writeFileSync(join(dev, 'ttyACM3'), '');
    const ports = await listSerialPorts({ list: noUdevadm, devRoot: dev, sysRoot: sys });
    expect(ports.map((port) => port.devicePath)).toEqual([join(dev, 'ttyUSB0'), join(dev, 'ttyACM0'), join(dev, 'ttyACM3')]);
    expect(ports[2]!.board).toBeUndefined();
  });

  it('uses SerialPort.list() when it works, preferring the stable by-id path', async () => {
    const ports = await listSerialPorts({
      list: async () => [
        { path: join(dev, 'ttyS0') },
        { path: join(dev, 'ttyUSB0'), vendorId: '10C4', productId: 'EA60', manufacturer: 'Silicon Labs', serialNumber: '0001' },
      ],
      devRoot: dev,
      sysRoot: sys,
    });
    expect(ports[0]).toMatchObject({ path: expect.stringContaining('by-id'), devicePath: join(dev, 'ttyUSB0'), vendorId: '10c4', board: 'T-Beam / Heltec (CP2102)' });
    expect(ports[1]).toEqual({ path: join(dev, 'ttyS0'), devicePath: join(dev, 'ttyS0') });
  });

  it('returns an empty list when there is nothing at all', async () => {
    expect(await listSerialPorts({ list: noUdevadm, devRoot: join(root, 'nowhere'), sysRoot: join(root, 'nowhere') })).toEqual([]);
  });
});
