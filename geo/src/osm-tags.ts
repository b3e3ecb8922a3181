import type { RoadKind } from './road-graph.js';

export type OsmTags = Readonly<Record<string, string>>;

/**
 * Courier cruising speed by road class, km/h: what a scooter or small car keeps between
 * junctions in town, below the legal limit on the big roads (traffic) and well below it on
 * residential and service roads (parked cars, people). Links run a little slower than their road.
 */
const CRUISE_KMH: Readonly<Record<string, number>> = {
  motorway: 70,
  trunk: 55,
  primary: 40,
  secondary: 36,
  tertiary: 32,
  unclassified: 28,
  residential: 25,
  road: 25,
  living_street: 12,
  service: 15,
};
const LINK_FACTOR = 0.8;
const ARTERIAL = new Set(['motorway', 'trunk', 'primary', 'secondary']);

/** Footways and the like carry motor traffic only where a tag says so. */
const NON_MOTOR = new Set([
  'footway',
  'cycleway',
  'steps',
  'path',
  'pedestrian',
  'track',
  'bridleway',
]);
const MOTOR_ALLOWED = new Set(['yes', 'designated', 'destination', 'permissive', 'delivery']);
const NO_ENTRY = new Set(['no', 'private', 'agricultural', 'forestry', 'emergency']);
/** Parking aisles and drive-throughs are not where deliveries are driven. */
const SKIPPED_SERVICE = new Set(['parking_aisle', 'drive-through', 'emergency_access']);

const baseClass = (highway: string) => highway.replace(/_link$/, '');

/** The first of the motor-vehicle access tags that is set, most specific first. */
function motorAccess(t: OsmTags): string | undefined {
  return t.motorcar ?? t.motor_vehicle ?? t.vehicle ?? t.access;
}

/** Whether a courier may drive this way: a road class, not closed to motor vehicles. */
export function isDrivable(t: OsmTags): boolean {
  const highway = t.highway;
  if (!highway || t.area === 'yes') return false;
  const access = motorAccess(t);
  if (NON_MOTOR.has(highway)) {
    // A plain access=yes on a footway opens it to walkers, not to cars.
    const motor = t.motorcar ?? t.motor_vehicle;
    return motor !== undefined && MOTOR_ALLOWED.has(motor);
  }
  if (!(baseClass(highway) in CRUISE_KMH)) return false;
  if (highway === 'service' && t.service !== undefined && SKIPPED_SERVICE.has(t.service))
    return false;
  return access === undefined || !NO_ENTRY.has(access);
}

/**
 * Direction of travel: 1 = along the way's node order only, -1 = against it only, 0 = both.
 * Roundabouts and motorways are one-way unless tagged otherwise (OSM's implied one-ways).
 */
export function onewayOf(t: OsmTags): -1 | 0 | 1 {
  const v = t.oneway;
  if (v === 'yes' || v === 'true' || v === '1') return 1;
  if (v === '-1' || v === 'reverse') return -1;
  if (v === 'no' || v === 'false' || v === '0') return 0;
  if (t.junction === 'roundabout' || t.junction === 'circular') return 1;
  if (t.highway === 'motorway' || t.highway === 'motorway_link') return 1;
  return 0;
}

/** A posted limit in km/h ("50", "30 mph"), or null for none or a word ("walk", "signals"). */
export function maxSpeedKmh(v: string | undefined): number | null {
  const m = v?.trim().match(/^(\d+(?:\.\d+)?)\s*(mph|km\/h|kmh)?$/);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === 'mph' ? n * 1.609 : n;
}

/** The courier's cruising speed on this way, m/s: by class, never above the posted limit. */
export function cruiseSpeedMps(t: OsmTags): number {
  const highway = t.highway ?? 'road';
  const base = CRUISE_KMH[baseClass(highway)] ?? CRUISE_KMH.living_street!;
  const byClass = highway.endsWith('_link') ? base * LINK_FACTOR : base;
  const limit = maxSpeedKmh(t.maxspeed);
  // A limit under walking pace is a tagging slip, not a road nobody can use.
  return Math.min(byClass, limit !== null && limit >= 5 ? limit : Infinity) / 3.6;
}

export const roadKindOf = (t: OsmTags): RoadKind =>
  ARTERIAL.has(baseClass(t.highway ?? '')) ? 'arterial' : 'street';
