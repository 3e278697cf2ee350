import { z } from 'zod';

/** Every failure that crosses the contract is one of these codes, with words for the operator. */
export const ContractErrorCode = z.enum([
  'invalid_input',
  'unknown_method',
  'malformed_message',
  'unauthorized',
  'not_found',
  'refused',
  'data_corrupt',
  'unavailable',
  'internal',
]);
export type ContractErrorCode = z.infer<typeof ContractErrorCode>;

export const ContractError = z.object({
  code: ContractErrorCode,
  message: z.string(),
  /** What the operator (or the developer calling the API) can do about it. */
  fix: z.string().optional(),
  /** The service's own code for the failure (e.g. `quota_exceeded`, `permission_denied`), for scripts. */
  reason: z.string().optional(),
  /** Field-level problems, for `invalid_input`. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ContractError = z.infer<typeof ContractError>;

export function contractError(code: ContractErrorCode, message: string, extra: Omit<ContractError, 'code' | 'message'> = {}): ContractError {
  return { code, message, ...extra };
}

/** Turns zod issues into the contract's field-level list (paths like `limit` or `items.2.id`). */
export function issuesFromZod(error: z.ZodError): NonNullable<ContractError['issues']> {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(input)',
    message: issue.message,
  }));
}

export type Result<T, E = ContractError> = { ok: true; value: T } | { ok: false; error: E };
