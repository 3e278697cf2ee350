export { DatabaseEmergencyArchive } from './archive.ts';
