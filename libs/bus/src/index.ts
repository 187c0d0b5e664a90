export * from './messages.js';
export * from './nats.js';
export * from './own-writes.js';
export * from './queue.js';
export * from './rate-limit.js';
export * from './redis.js';
export * from './subjects.js';
export * from './validate.js';
