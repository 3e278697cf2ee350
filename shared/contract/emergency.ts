import { z } from 'zod';

export const EmergencyPriority = z.enum(['advisory', 'urgent', 'life_threatening']);
export type EmergencyPriority = z.infer<typeof EmergencyPriority>;

/** Bytes of UTF-8 an emergency's text may hold: one LoRa frame with its signature, key and a position. */
export const EMERGENCY_TEXT_MAX_BYTES = 107;
/** Bytes of UTF-8 an all-clear's reason may hold. */
export const ALL_CLEAR_TEXT_MAX_BYTES = 112;

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;
export const EmergencyText = z
  .string()
  .trim()
  .min(1, 'say what is happening')
  .refine((text) => utf8Bytes(text) <= EMERGENCY_TEXT_MAX_BYTES, `at most ${EMERGENCY_TEXT_MAX_BYTES} bytes of UTF-8 (one radio frame)`);
export const AllClearText = z
  .string()
  .trim()
  .refine((text) => utf8Bytes(text) <= ALL_CLEAR_TEXT_MAX_BYTES, `at most ${ALL_CLEAR_TEXT_MAX_BYTES} bytes of UTF-8 (one radio frame)`);

export const GeoPoint = z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) });

/**
 * One radio in the roll-call of our emergency. `silent`: no answer yet; `delivered`: its radio
 * confirmed a repeat but nothing answered above it (a stock app, or Pakit not running there);
 * `received`: its Pakit node acked; `seen`: a person there pressed the alert's button (signed).
 */
export const RollCallAnswer = z.enum(['silent', 'delivered', 'received', 'seen']);
export type RollCallAnswer = z.infer<typeof RollCallAnswer>;
export const RollCallMember = z.object({
  /** The radio, `!xxxxxxxx`. */
  node: z.string(),
  /** Its signing key id, when known. */
  keyId: z.string().optional(),
  answer: RollCallAnswer,
  answeredAt: z.number().optional(),
  /** Repeats sent to it. */
  asks: z.number().int(),
  /** When it is asked again (silent, repeats on; after the all-clear: sent the all-clear again while unconfirmed). */
  nextAskAt: z.number().optional(),
  /** After the all-clear, for a radio that had the emergency: whether its radio confirmed the all-clear sent to it. */
  cleared: z.boolean().optional(),
});
export type RollCallMember = z.infer<typeof RollCallMember>;

/** Our emergency on air: in our queue, on air (the radio took it), relayed (a neighbour repeated it), or no relay heard. */
export const EmergencyAir = z.object({
  state: z.enum(['queued', 'on_air', 'relayed', 'not_relayed']),
  /** Broadcasts that went on air; more than one: resent. */
  sends: z.number().int(),
  lastSentAt: z.number().optional(),
});
export type EmergencyAir = z.infer<typeof EmergencyAir>;

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
  /** Where the author's radio was when it sent it. */
  position: GeoPoint.optional(),
  /** Our own emergencies: what became of it on air. */
  air: EmergencyAir.optional(),
  /** Our own emergencies: every radio heard in the last day, and how far its answer went. */
  rollCall: z.object({ repeating: z.boolean(), members: z.array(RollCallMember) }).optional(),
  /** Closed by its author's signed all-clear. */
  closed: z.object({ at: z.number(), text: z.string() }).optional(),
});
export type EmergencyRecord = z.infer<typeof EmergencyRecord>;
