import { describe, expect, it } from 'vitest';
import { cruiseSpeedMps, isDrivable, maxSpeedKmh, onewayOf, roadKindOf } from './osm-tags.js';

describe('OSM tags', () => {
  it.each([
    [{ highway: 'motorway' }, true],
    [{ highway: 'primary_link' }, true],
    [{ highway: 'residential' }, true],
    [{ highway: 'living_street' }, true],
    [{ highway: 'unclassified' }, true],
    [{ highway: 'service' }, true],
    [{ highway: 'service', service: 'parking_aisle' }, false],
    [{ highway: 'footway' }, false],
    [{ highway: 'cycleway' }, false],
    [{ highway: 'steps' }, false],
    [{ highway: 'path' }, false],
    [{ highway: 'pedestrian' }, false],
    [{ highway: 'pedestrian', access: 'yes' }, false],
    [{ highway: 'pedestrian', motor_vehicle: 'destination' }, true],
    [{ highway: 'construction' }, false],
    [{ highway: 'residential', access: 'private' }, false],
    [{ highway: 'residential', access: 'no', motor_vehicle: 'yes' }, true],
    [{ highway: 'primary', motor_vehicle: 'no' }, false],
    [{ highway: 'service', area: 'yes' }, false],
    [{ building: 'yes' }, false],
  ])('%j drivable: %s', (tags, drivable) => {
    expect(isDrivable(tags)).toBe(drivable);
  });

  it.each([
    [{ highway: 'residential' }, 0],
    [{ highway: 'residential', oneway: 'yes' }, 1],
    [{ highway: 'residential', oneway: 'true' }, 1],
    [{ highway: 'residential', oneway: '1' }, 1],
    [{ highway: 'residential', oneway: '-1' }, -1],
    [{ highway: 'residential', oneway: 'no' }, 0],
    [{ highway: 'primary', junction: 'roundabout' }, 1],
    [{ highway: 'primary', junction: 'roundabout', oneway: 'no' }, 0],
    [{ highway: 'motorway' }, 1],
    [{ highway: 'motorway_link' }, 1],
    [{ highway: 'motorway', oneway: 'no' }, 0],
  ])('%j one-way: %d', (tags, dir) => {
    expect(onewayOf(tags)).toBe(dir);
  });

  it('cruises by class, slower on links and never above the posted limit', () => {
    expect(cruiseSpeedMps({ highway: 'primary' }) * 3.6).toBeCloseTo(40);
    expect(cruiseSpeedMps({ highway: 'primary_link' }) * 3.6).toBeCloseTo(32);
    expect(cruiseSpeedMps({ highway: 'residential', maxspeed: '20' }) * 3.6).toBeCloseTo(20);
    expect(cruiseSpeedMps({ highway: 'residential', maxspeed: '0' }) * 3.6).toBeCloseTo(25);
    expect(maxSpeedKmh('30 mph')).toBeCloseTo(48.3, 1);
    expect(maxSpeedKmh('walk')).toBeNull();
    expect(roadKindOf({ highway: 'secondary_link' })).toBe('arterial');
    expect(roadKindOf({ highway: 'residential' })).toBe('street');
  });
});
