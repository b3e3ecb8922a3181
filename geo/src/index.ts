// The one geometry module: distances, headings, projection and route polylines, the same in
// the simulator, the backend and the browser.
export * from './earth.js';
export * from './projection.js';
export * from './polyline.js';
