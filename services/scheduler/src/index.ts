export { intervalNow, isWorkTime, type Plan, type PlannedScope, planScopes } from './plan.js';
export { reconcile } from './reconcile.js';
