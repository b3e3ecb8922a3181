// The one geometry and routing module: distances, headings, projection, route polylines, the
// road graph and the router over it, the same in the simulator, the backend and the browser.
// Loading OSM extracts needs Node (files, a CommonJS parser): that is `@fleetstream/geo/osm`.
export * from './earth.js';
export * from './projection.js';
export * from './polyline.js';
export * from './rng.js';
export * from './road-graph.js';
export * from './road-geojson.js';
export * from './strongly-connected.js';
export * from './route.js';
export * from './road-network.js';
export * from './city.js';
export * from './osm-tags.js';
