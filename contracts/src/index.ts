export * from './topics.js';
export * from './location.js';
export * from './ws-messages.js';
