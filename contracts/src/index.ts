export * from './topics.js';
export * from './location.js';
export * from './ws-messages.js';
export * from './ops.js';
export * from './analytics.js';
export * from './notification.js';
export * from './polyline.js';
export * from './replay.js';
