// Failures of the machine rather than of the node's logic, told to the operator in words instead of
// as internal errors: today, a full disk (ENOSPC from a file write, SQLITE_FULL from the database).
import { contractError, type ContractError } from '../../../shared/contract/index.ts';

const SQLITE_FULL = 13;

export function isDiskFull(error: unknown): boolean {
  const failure = error as { code?: unknown; errcode?: unknown } | null;
  if (typeof failure !== 'object' || failure === null) return false;
  return failure.code === 'ENOSPC' || (failure.code === 'ERR_SQLITE_ERROR' && typeof failure.errcode === 'number' && (failure.errcode & 0xff) === SQLITE_FULL);
}

export function knownFailure(error: unknown): ContractError | undefined {
  if (!isDiskFull(error)) return undefined;
  return contractError('refused', 'The disk is full: the node could not save this.', {
    reason: 'disk_full',
    fix: 'Free disk space (delete files in the Files view, or on the machine), then try again. Nothing saved before was lost.',
  });
}
