export * from './topics.js';
export * from './location.js';
