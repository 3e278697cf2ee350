// What every example starts with: a contract client connected to a node, from PAKIT_URL (the console
// URL the node printed, or http://HOST:PORT with PAKIT_API_TOKEN), the same way `pakit` connects.
import type { ContractClient, Result } from '../shared/contract/index.ts';
import { connect } from '../cli/connect.ts';
import { targetOf } from '../cli/target.ts';

export function openNode(): Promise<ContractClient> {
  return connect(targetOf({ url: process.env.PAKIT_URL, token: process.env.PAKIT_API_TOKEN }));
}

/** The answer, or the node's refusal printed with its fix and exit code 1. */
export function orExit<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  process.stderr.write(`${result.error.message}${result.error.fix ? `\n${result.error.fix}` : ''}\n`);
  process.exit(1);
}
