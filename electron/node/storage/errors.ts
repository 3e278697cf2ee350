// Typed failures of the block store. Each carries a stable `code` for programs and a `fix` for the
// operator, so the console can show what happened and what to do without parsing messages.
import { contractError, type ContractError, type ContractErrorCode } from '../../../shared/contract/errors.ts';

export type StorageErrorCode =
  | 'invalid_content_id'
  | 'block_not_found'
  | 'block_corrupt'
  | 'not_a_file'
  | 'file_too_large'
  | 'quota_exceeded'
  | 'disk_full'
  | 'store_unsupported';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;
  /** What the operator can do about it. */
  readonly fix: string;
  /** The content id concerned, when there is one. */
  readonly contentId: string | undefined;

  constructor(
    code: StorageErrorCode,
    message: string,
    fix: string,
    options: { contentId?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.fix = fix;
    this.contentId = options.contentId;
  }

  toContractError(): ContractError {
    return contractError(contractCodes[this.code], this.message, { fix: this.fix, reason: this.code });
  }
}

const contractCodes: Record<StorageErrorCode, ContractErrorCode> = {
  invalid_content_id: 'invalid_input',
  not_a_file: 'invalid_input',
  block_not_found: 'not_found',
  block_corrupt: 'data_corrupt',
  file_too_large: 'refused',
  quota_exceeded: 'refused',
  disk_full: 'refused',
  store_unsupported: 'unavailable',
};
