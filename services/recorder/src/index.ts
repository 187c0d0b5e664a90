export { type DeltaSink, Recorder, type RevisionDeltas } from './recorder.js';
export { WalPublisher } from './wal-publisher.js';
export { type RecorderWiring, startRecorder } from './workers.js';
