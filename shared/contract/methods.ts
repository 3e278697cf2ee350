import { z } from 'zod';
import { LogEntry, NodeInfo, NodeStatus } from './schemas.ts';

/** A request the console can make: one schema for the input, one for the output. */
export type MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> = {
  summary: string;
  input: I;
  output: O;
};

const method = <I extends z.ZodType, O extends z.ZodType>(spec: MethodSpec<I, O>) => spec;
const noInput = z.object({}).strict();

/**
 * The one table of requests. Both transports (Electron IPC, WebSocket) dispatch from it, main validates
 * every input against it, and the renderer's client is typed from it.
 */
export const methods = {
  'node.info': method({
    summary: 'What this node is: version, host, mesh settings.',
    input: noInput,
    output: NodeInfo,
  }),
  'node.status': method({
    summary: 'The latest status sample (uptime, memory, event rate).',
    input: noInput,
    output: NodeStatus,
  }),
  'node.statusHistory': method({
    summary: 'Recent status samples, oldest first, for charts.',
    input: z.object({ limit: z.number().int().min(1).max(3600).default(300) }).strict(),
    output: z.array(NodeStatus),
  }),
  'log.recent': method({
    summary: 'The newest log entries, oldest first.',
    input: z
      .object({
        limit: z.number().int().min(1).max(5000).default(500),
        minLevel: z.enum(['debug', 'info', 'warn', 'error']).default('debug'),
      })
      .strict(),
    output: z.array(LogEntry),
  }),
} satisfies Record<string, MethodSpec>;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
/** What a caller passes (defaults may be omitted). */
export type MethodParams<M extends MethodName> = z.input<Methods[M]['input']>;
/** What a handler receives after validation (defaults filled in). */
export type MethodInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(methods, name);
}
