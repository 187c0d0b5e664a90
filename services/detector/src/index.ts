export { changeId, classify } from './classify.js';
export {
  Detector,
  type DetectorOutputs,
  type DetectorSettings,
  type PublishedChange,
  type RevisionDeltas,
} from './detector.js';
export { type DetectorWiring, startDetector } from './workers.js';
