import type { ContractError } from '../../../shared/contract/index.ts';

/** A refused request or a device problem, with what to do about it, where the operator looks. */
export function Problem({ error }: { error: ContractError | undefined }) {
  if (!error) return null;
  return (
    <div className="problem" role="alert">
      <strong>{error.message}</strong>
      {error.fix ? <div>{error.fix}</div> : null}
      {error.issues?.map((issue) => <div key={issue.path}>{issue.path}: {issue.message}</div>)}
    </div>
  );
}
