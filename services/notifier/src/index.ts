export { digest, type SlackMessage, single } from './message.js';
export { Notifier, type NotifierOutputs, type NotifierSettings } from './notifier.js';
export { type PostResult, post, type RetryPolicy } from './webhook.js';
