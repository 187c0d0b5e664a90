export { Approvals, type Pending } from './approvals.js';
export { ClaimStore, claimRecord } from './claims.js';
export { AwsCloud, CallFailedError, type Cloud } from './cloud.js';
export { EXECUTABLE, Executor, type ExecutorPorts, type ExecutorSettings, NotYetError } from './executor.js';
export { type GuardSettings, type GuardVerdict, PopulationGuard, WriteCap } from './guard.js';
export { type ApiCall, type Current, type Plan, type PlanSettings, plan, WRITE_OPERATIONS } from './plan.js';
export { type ExecutorWiring, startExecutor } from './workers.js';
