export { HistoryRecorder, newSamples } from './recorder.ts';
export { bucketMinutes, HistoryStore, type HistoryRange, type NodeSampleRow, type OwnSample } from './store.ts';
