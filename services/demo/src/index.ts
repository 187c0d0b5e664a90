export { CHURN, type ChurnStep, type DemoRegion, demoRegion, startChurn } from './churn.js';
export { seedRegion } from './estate.js';
export * from './every-type.js';
