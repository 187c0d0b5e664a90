export { actorOf, EXECUTOR_SESSION } from './actor.js';
export { type AwsEvent, MalformedEventError, operationName, parseCloudTrail, parseEnvelope } from './envelope.js';
export { CLOUDTRAIL_RULES, ec2TypeOf, lambdaName, ruleFor, type Touch, valuesAt } from './event-map.js';
export { IDS_PER_JOB, jobsFor, type RoutedEvent, type TargetedJob } from './jobs.js';
export { type EventQueue, type PollerOptions, QueuePoller } from './poller.js';
export { type QueueOrigin, type Routed, type RouteSettings, route, type Target } from './route.js';
export { type EventsWiring, startEvents } from './service.js';
