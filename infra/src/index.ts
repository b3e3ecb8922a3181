export { LaunchError } from './launch-error.js';
export { startKafkaBroker, type KafkaBroker, type KafkaBrokerOptions } from './kafka/broker.js';
export { startRedisServer, type RedisServer, type RedisServerOptions } from './redis/server.js';
export { freePort } from './host.js';
