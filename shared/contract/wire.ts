import { z } from 'zod';
import { ContractError } from './errors.ts';

/**
 * The messages both transports carry. Over WebSocket they are JSON text frames; over Electron IPC
 * the same objects travel as structured clones. Method names and params are checked against the
 * contract table after this envelope check.
 */
export const PROTOCOL = 'pakit.v1';

export const RequestMessage = z.object({
  kind: z.literal('request'),
  id: z.number().int().nonnegative(),
  method: z.string().max(100),
  params: z.unknown().optional(),
});
export type RequestMessage = z.infer<typeof RequestMessage>;

export const ClientMessage = z.discriminatedUnion('kind', [RequestMessage]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export const ResponseMessage = z.discriminatedUnion('ok', [
  z.object({ kind: z.literal('response'), id: z.number().int().nullable(), ok: z.literal(true), result: z.unknown() }),
  z.object({ kind: z.literal('response'), id: z.number().int().nullable(), ok: z.literal(false), error: ContractError }),
]);
export type ResponseMessage = z.infer<typeof ResponseMessage>;

/** `data` holds one value for `latest` streams and the batch for `batch` streams; `dropped` counts what was skipped. */
export const EventMessage = z.object({
  kind: z.literal('event'),
  event: z.string(),
  data: z.array(z.unknown()),
  dropped: z.number().int().nonnegative(),
});
export type EventMessage = z.infer<typeof EventMessage>;

export type ServerMessage = ResponseMessage | EventMessage;

/** Sent as the WebSocket close reason and shown to the operator. */
export const CloseCodes = {
  unauthorized: 4401,
  forbiddenOrigin: 4403,
  shuttingDown: 4503,
} as const;
