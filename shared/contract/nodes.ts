import { z } from 'zod';

/** A node of the table: a radio's id (`!xxxxxxxx`) or an IP peer's libp2p id (`12D3KooW…`). */
export const TableNodeId = z
  .string()
  .regex(/^(![0-9a-f]{8}|[1-9A-HJ-NP-Za-km-z]{32,64})$/, 'a radio id like !1a2b3c4d or a libp2p peer id');
export type TableNodeId = z.infer<typeof TableNodeId>;

/**
 * The operator's own favourite mark for a node, kept by this node (it survives radio swaps and
 * covers IP peers). A node without one shows the radio's own favourite flag.
 */
export const NodeFavorite = z.object({
  nodeId: TableNodeId,
  favorite: z.boolean(),
  /** When the operator set it, epoch ms. */
  setAt: z.number(),
});
export type NodeFavorite = z.infer<typeof NodeFavorite>;
