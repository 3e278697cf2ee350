// Finds serial ports a Meshtastic radio may sit on and names the common boards by USB id.
// `SerialPort.list()` needs `udevadm`, which containers and minimal systems lack (FIELD-NOTES §1),
// so on failure the device nodes and sysfs are read directly.
import { readFile, readdir, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SerialPort } from 'serialport';

export type SerialPortCandidate = {
  /** What to open: the stable `/dev/serial/by-id/...` link when one exists, else the tty node. */
  path: string;
  /** The tty node itself (`/dev/ttyUSB0`), which can change after a replug. */
  devicePath: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
  /** A board label when the USB id is one Meshtastic boards use; undefined otherwise. */
  board?: string;
};

/** USB `vendor:product` ids of the serial chips on common Meshtastic boards (lower-case hex). */
const KNOWN_BOARDS: Readonly<Record<string, string>> = {
  '10c4:ea60': 'T-Beam / Heltec (CP2102)',
  '1a86:55d4': 'T-Beam / Heltec (CH9102)',
  '1a86:7523': 'ESP32 board (CH340)',
  '303a:1001': 'ESP32-S3 native USB (Heltec V3, T-Beam Supreme, Station G2)',
  '239a:8029': 'RAK4631 (nRF52840)',
};

export function boardName(vendorId: string | undefined, productId: string | undefined): string | undefined {
  if (!vendorId || !productId) return undefined;
  return KNOWN_BOARDS[`${normaliseUsbId(vendorId)}:${normaliseUsbId(productId)}`];
}

const normaliseUsbId = (id: string): string => id.toLowerCase().replace(/^0x/, '').padStart(4, '0');

/** What `SerialPort.list()` returns (the fields we use). */
export type ListedPort = {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  pnpId?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
};

export type PortDiscoveryOptions = {
  /** `SerialPort.list` by default. */
  list?: () => Promise<ListedPort[]>;
  /** Where `/dev` and `/sys` are; tests point these at a temporary directory. */
  devRoot?: string;
  sysRoot?: string;
};

/** Every candidate port, boards we recognise first. Never throws: no ports is an empty list. */
export async function listSerialPorts(options: PortDiscoveryOptions = {}): Promise<SerialPortCandidate[]> {
  const devRoot = options.devRoot ?? '/dev';
  const list = options.list ?? (() => SerialPort.list());
  const byId = await stableLinks(devRoot);
  let ports: SerialPortCandidate[];
  try {
    ports = (await list()).map((listed) => fromListed(listed, byId));
  } catch {
    ports = await scanDeviceNodes(devRoot, options.sysRoot ?? '/sys', byId);
  }
  return ports.sort((a, b) => Number(b.board !== undefined) - Number(a.board !== undefined) || a.path.localeCompare(b.path));
}

function fromListed(listed: ListedPort, byId: ReadonlyMap<string, string>): SerialPortCandidate {
  return compact({
    path: byId.get(listed.path) ?? listed.path,
    devicePath: listed.path,
    vendorId: listed.vendorId?.toLowerCase(),
    productId: listed.productId?.toLowerCase(),
    manufacturer: listed.manufacturer,
    serialNumber: listed.serialNumber,
    board: boardName(listed.vendorId, listed.productId),
  });
}

/** `/dev/serial/by-id/*` links, keyed by the tty node they point at. */
async function stableLinks(devRoot: string): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  const dir = join(devRoot, 'serial', 'by-id');
  for (const name of await readdirOrEmpty(dir)) {
    const link = join(dir, name);
    try {
      links.set(join(devRoot, basename(await realpath(link))), link);
    } catch {
      // a dangling link: its device is gone
    }
  }
  return links;
}

async function scanDeviceNodes(devRoot: string, sysRoot: string, byId: ReadonlyMap<string, string>): Promise<SerialPortCandidate[]> {
  const names = (await readdirOrEmpty(devRoot)).filter((name) => /^tty(USB|ACM)\d+$/.test(name));
  for (const devicePath of byId.keys()) {
    const name = basename(devicePath);
    if (!names.includes(name)) names.push(name);
  }
  return Promise.all(
    names.map(async (name) => {
      const devicePath = join(devRoot, name);
      const usb = await usbAttributes(sysRoot, name);
      return compact({ path: byId.get(devicePath) ?? devicePath, devicePath, ...usb, board: boardName(usb.vendorId, usb.productId) });
    }),
  );
}

type UsbAttributes = Pick<SerialPortCandidate, 'vendorId' | 'productId' | 'manufacturer' | 'product' | 'serialNumber'>;

/**
 * `/sys/class/tty/<name>/device` points at the USB interface (ttyACM) or at a port below it
 * (ttyUSB); the USB device directory with `idVendor` is one or two levels up.
 */
async function usbAttributes(sysRoot: string, ttyName: string): Promise<UsbAttributes> {
  let dir: string;
  try {
    dir = await realpath(join(sysRoot, 'class', 'tty', ttyName, 'device'));
  } catch {
    return {};
  }
  for (let level = 0; level < 4; level += 1) {
    const vendorId = await readAttribute(dir, 'idVendor');
    if (vendorId !== undefined) {
      return {
        vendorId: vendorId.toLowerCase(),
        productId: (await readAttribute(dir, 'idProduct'))?.toLowerCase(),
        manufacturer: await readAttribute(dir, 'manufacturer'),
        product: await readAttribute(dir, 'product'),
        serialNumber: await readAttribute(dir, 'serial'),
      };
    }
    dir = dirname(dir);
  }
  return {};
}

async function readAttribute(dir: string, name: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, name), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** Drops undefined fields, so results compare and serialise cleanly. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
