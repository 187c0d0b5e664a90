export { type CompiledPackage, type Rule, readCompiled } from './compiled.js';
export { type Finding, type PolicyFailure, type PolicyInput, PolicySet } from './policy-set.js';
