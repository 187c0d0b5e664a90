export { intervalNow, isWorkTime, type Plan, type PlannedScope, planScopes, SWEEP_TIER } from './plan.js';
export { reconcile } from './reconcile.js';
export { createSchedule, type ScheduleDeps, type TickResult } from './schedule.js';
