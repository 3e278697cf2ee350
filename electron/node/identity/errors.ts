// Typed failures of the node identity. `code` is for programs, `message` says what happened and to
// which file, `fix` tells the operator what to do. Start-up stops on any of them: a node never
// replaces an identity it could not read.
import { contractError, type ContractError } from '../../../shared/contract/errors.ts';

export type IdentityErrorCode =
  /** The key file exists but is not a valid key file (bad JSON, truncated, edited, checksum wrong). */
  | 'key_file_corrupt'
  /** The key file could not be read at all (permissions, I/O error, a directory in its place). */
  | 'key_file_unreadable'
  /** The key file was written by a newer Pakit Mesh. */
  | 'key_file_unsupported'
  /** The passphrase does not open the key file or backup. */
  | 'wrong_passphrase'
  /** The OS secret storage could not decrypt the key (another user, machine or keyring). */
  | 'key_file_undecryptable'
  /** The key file is protected differently from what this start-up provides. */
  | 'protector_mismatch'
  /** Import refused: a key file is already there. */
  | 'key_file_exists'
  /** The backup text is not a valid Pakit identity backup. */
  | 'backup_invalid'
  /** The OS secret storage is weak (Linux basic_text) and the operator has not accepted that. */
  | 'weak_protection_refused'
  /** The OS secret storage cannot encrypt at all. */
  | 'protection_unavailable'
  /** An empty passphrase, or none could be asked for. */
  | 'passphrase_unavailable';

export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  readonly code: IdentityErrorCode;
  /** What the operator can do about it. */
  readonly fix: string;
  /** The key or backup file concerned, when there is one. */
  readonly file: string | undefined;

  constructor(code: IdentityErrorCode, message: string, fix: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.fix = fix;
    this.file = options.file;
  }

  toContractError(): ContractError {
    return contractError(this.code === 'wrong_passphrase' ? 'invalid_input' : 'refused', this.message, { fix: this.fix, reason: this.code });
  }
}
