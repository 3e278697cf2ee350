// What a simulated device reports about itself besides its name: position, battery and the
// broadcast schedule of the firmware's Position and DeviceTelemetry modules (firmware 2.6.11:
// Default.h, MeshModule.h, PositionModule.cpp, DeviceTelemetry.cpp, power.h). Pure.
import type { Topology } from './medium.ts';

/** A fixed position or GPS fix, in degrees and metres above sea level. */
export type SimPosition = { latitude: number; longitude: number; altitude?: number };

/** Roles whose routing the simulator follows: CLIENT relays, CLIENT_MUTE never rebroadcasts. */
export type SimRole = 'CLIENT' | 'CLIENT_MUTE';

/** A device on a battery: its charge at switch-on and how fast it drains. Without one, external power. */
export type SimBattery = { percent: number; drainPercentPerHour: number };

/** Periodic modules first run 30 s after boot, 15 s apart in creation order: NodeInfo, Position, DeviceTelemetry. */
export const POSITION_FIRST_BROADCAST_MS = 45_000;
export const TELEMETRY_FIRST_RUN_MS = 60_000;
/** `default_broadcast_interval_secs` for every role but ROUTER (15 min), `default_telemetry_broadcast_interval_secs` (1 h). */
export const POSITION_BROADCAST_INTERVAL_MS = 15 * 60_000;
export const TELEMETRY_BROADCAST_INTERVAL_MS = 60 * 60_000;
/** DeviceTelemetry runs every minute and tells the phone its metrics when it is not the mesh's turn. */
export const TELEMETRY_RUN_INTERVAL_MS = 60_000;
/** Position and telemetry are skipped while the channel is this busy (`polite_channel_util_percent`). */
export const POLITE_CHANNEL_UTILIZATION_PERCENT = 25;
/** `position_precision` of a default primary channel: about 3 km. */
export const DEFAULT_POSITION_PRECISION_BITS = 13;
/** `MAGIC_USB_BATTERY_LEVEL`: the device runs on external power. */
export const EXTERNAL_POWER_LEVEL = 101;

const DEGREES_PER_UNIT = 1e-7;
/** Open-circuit volts of a Li-ion cell at 100, 90, ... 0 % charge (firmware power.h). */
const LI_ION_VOLTS = [4.19, 4.05, 3.99, 3.89, 3.8, 3.72, 3.63, 3.53, 3.42, 3.3, 3.1];

/** Battery level (integer percent, as the firmware reports it) and volts after running `uptimeMs`. */
export function batteryReading(battery: SimBattery | undefined, uptimeMs: number): { batteryLevel: number; voltage: number } {
  if (!battery) return { batteryLevel: EXTERNAL_POWER_LEVEL, voltage: 0 }; // no cell to measure
  const percent = Math.max(0, Math.min(100, battery.percent - (battery.drainPercentPerHour * uptimeMs) / 3_600_000));
  const step = (100 - percent) / 10;
  const below = Math.min(Math.floor(step), LI_ION_VOLTS.length - 2);
  const volts = LI_ION_VOLTS[below]! + (LI_ION_VOLTS[below + 1]! - LI_ION_VOLTS[below]!) * (step - below);
  return { batteryLevel: Math.round(percent), voltage: Math.round(volts * 1000) / 1000 };
}

const toUnits = (degrees: number): number => Math.round(degrees / DEGREES_PER_UNIT) | 0;

/**
 * The Position fields a device sends on a channel keeping `precisionBits` of latitude/longitude:
 * the low bits cleared and the point moved to the middle of the cell it stands for.
 */
export function sharedPosition(position: SimPosition, precisionBits: number): { latitudeI: number; longitudeI: number; altitude?: number; precisionBits: number } {
  const reduce = (units: number): number => {
    if (precisionBits <= 0 || precisionBits >= 32) return units;
    const mask = (0xffffffff << (32 - precisionBits)) | 0;
    return ((units & mask) + (1 << (31 - precisionBits))) | 0;
  };
  return {
    latitudeI: reduce(toUnits(position.latitude)),
    longitudeI: reduce(toUnits(position.longitude)),
    ...(position.altitude === undefined ? {} : { altitude: Math.round(position.altitude) }),
    precisionBits,
  };
}

/** The exact fix as the device keeps it in its own node entry. */
export function exactPosition(position: SimPosition): { latitudeI: number; longitudeI: number; altitude?: number } {
  return {
    latitudeI: toUnits(position.latitude),
    longitudeI: toUnits(position.longitude),
    ...(position.altitude === undefined ? {} : { altitude: Math.round(position.altitude) }),
  };
}

const EARTH_RADIUS_M = 6_371_000;

/** The point `distanceM` from `origin` towards `bearingDeg` (0 = north), on a sphere. */
export function offsetPosition(origin: SimPosition, distanceM: number, bearingDeg: number): SimPosition {
  const rad = Math.PI / 180;
  const angular = distanceM / EARTH_RADIUS_M;
  const lat1 = origin.latitude * rad;
  const bearing = bearingDeg * rad;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(angular) + Math.cos(lat1) * Math.sin(angular) * Math.cos(bearing));
  const lon2 = origin.longitude * rad + Math.atan2(Math.sin(bearing) * Math.sin(angular) * Math.cos(lat1), Math.cos(angular) - Math.sin(lat1) * Math.sin(lat2));
  return { latitude: lat2 / rad, longitude: ((lon2 / rad + 540) % 360) - 180, ...(origin.altitude === undefined ? {} : { altitude: origin.altitude }) };
}

/** Default origin of a simulated mesh: an alpine valley in the EU_868 region. */
export const DEFAULT_MESH_ORIGIN: SimPosition = { latitude: 46.6863, longitude: 7.8632, altitude: 570 };
/** Radios on a line stand this far apart: in range of their neighbours only, as LONG_FAST reaches in hills. */
export const LINE_SPACING_M = 4_000;

/**
 * Plausible places for `count` radios that match the topology: a line heading east-north-east
 * with radios LINE_SPACING_M apart; a star's hub in the middle of its leaves; a fully connected
 * mesh within a couple of km; heights vary by up to 300 m (hills).
 */
export function meshPositions(count: number, topology: Topology, origin: SimPosition = DEFAULT_MESH_ORIGIN, random: () => number = Math.random): SimPosition[] {
  const altitude = (): number => Math.round((origin.altitude ?? 500) + random() * 300);
  return Array.from({ length: count }, (_, index) => {
    const place =
      topology === 'line'
        ? offsetPosition(origin, index * LINE_SPACING_M, 70)
        : topology === 'star'
          ? index === 0
            ? origin
            : offsetPosition(origin, LINE_SPACING_M, (360 * (index - 1)) / Math.max(1, count - 1))
          : offsetPosition(origin, index === 0 ? 0 : 500 + random() * 1_500, random() * 360);
    return { latitude: place.latitude, longitude: place.longitude, altitude: altitude() };
  });
}
