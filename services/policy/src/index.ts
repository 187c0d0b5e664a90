export { type CompiledLibrary, type CompiledPackage, type Rule, readCompiled } from './compiled.js';
export { type DecisionSettings, decisionId, type Proposal, propose } from './decide.js';
export { type Dispatch, type DispatchEntry, EVERYTHING, parseDispatch, routeOf } from './dispatch.js';
export { type ExpectedInventory, ExpectedInventoryError, policyData, readExpected } from './expected.js';
export {
  changeInput,
  firstHistory,
  type HistoryItem,
  type HistoryVersion,
  historyOf,
  resourceInput,
} from './inputs.js';
export { type LibraryOptions, PolicyLibrary } from './library.js';
export { type MemoOptions, type MemoPool, PolicyMemo } from './memo.js';
export { libraryHash } from './memo-key.js';
export { type MemoTier, RedisMemoTier } from './memo-tier.js';
export { type Finding, type PolicyFailure, type PolicyInput, PolicySet, type SetAnswer } from './policy-set.js';
export { type Evaluation, PolicyPool } from './pool.js';
export { DecisionMemory, type DecisionTrail, type RecalledDecision, ReplacedStoreError } from './remember.js';
export { type PolicyOutputs, PolicyService } from './service.js';
export { absentShadow, SHADOW_STREAM } from './shadow.js';
export { ShadowList } from './shadow-list.js';
export { type PolicyWiring, startPolicy } from './workers.js';
