import { z } from 'zod';

export const EmergencyPriority = z.enum(['advisory', 'urgent', 'life_threatening']);
export type EmergencyPriority = z.infer<typeof EmergencyPriority>;

export const EmergencyRecord = z.object({
  id: z.string(),
  direction: z.enum(['sent', 'received']),
  text: z.string(),
  priority: EmergencyPriority,
  at: z.number(),
  /** The radio that put it on air, `!xxxxxxxx`. */
  fromNode: z.string().optional(),
  /** The signer's key id (hex): who vouches for it. */
  signer: z.string(),
  /** Signature checked against the signer's announced key; false until that key is heard. */
  verified: z.boolean(),
  hops: z.number().int().optional(),
  /** Key ids that acknowledged one of our emergencies (a claim: acks are not signed). */
  ackedBy: z.array(z.string()),
  /** The operator dismissed the alert. */
  acknowledged: z.boolean(),
  /**
   * false: a stock Meshtastic alert (ALERT_APP, or a text that starts with the bell character). It
   * carries no signature: anyone on the channel could have sent it. Absent: a signed Pakit emergency.
   */
  signed: z.boolean().optional(),
});
export type EmergencyRecord = z.infer<typeof EmergencyRecord>;
