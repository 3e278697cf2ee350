// Identity backups: always passphrase-protected, whatever protects the key file on the source
// machine, so a backup restores on any machine (desktop or headless). Same checksummed JSON layout
// as the key file, format "pakit-node-key-backup".
import { z } from 'zod';
import { IdentityError } from './errors.ts';
import { decodeDocument, encodeDocument, sealedIdentityFields, sealIdentity, unsealIdentity, writeKeyFile, type KeyFileOptions } from './key-file.ts';
import type { NodeIdentity } from './keys.ts';
import { passphraseProtector, type ScryptParams } from './protectors.ts';

const BACKUP_FORMAT = 'pakit-node-key-backup';
const BACKUP_VERSION = 1;

const backupSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  exported_at: z.iso.datetime(),
  ...sealedIdentityFields,
  protection: sealedIdentityFields.protection.refine((sealed) => sealed.kind === 'passphrase', 'a passphrase-protected key'),
});

/** The backup text (JSON) of `identity`, encrypted with `passphrase`. */
export async function exportBackup(
  identity: NodeIdentity,
  passphrase: string,
  options: { now?: () => Date; scrypt?: ScryptParams } = {},
): Promise<string> {
  const protector = passphraseProtector(passphrase, options.scrypt ? { scrypt: options.scrypt } : {});
  return encodeDocument({
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    exported_at: (options.now ?? (() => new Date()))().toISOString(),
    ...(await sealIdentity(identity, protector, BACKUP_FORMAT, BACKUP_VERSION)),
  });
}

/**
 * Restores an identity from backup text into a new key file protected by `target.protector`.
 * Refuses (key_file_exists) when a key file is already there. `backupName` names it in messages.
 */
export async function importBackup(
  backupText: string,
  passphrase: string,
  target: KeyFileOptions & { backupName?: string },
): Promise<NodeIdentity> {
  const source = { file: target.backupName ?? 'being imported', what: 'backup' } as const;
  const document = decodeDocument(backupText, backupSchema, { format: BACKUP_FORMAT, version: BACKUP_VERSION }, source, (version) =>
    new IdentityError(
      'backup_invalid',
      `The backup ${source.file} has format version ${String(version)}, made by a newer Pakit Mesh.`,
      'Import it with that newer version.',
      { file: source.file },
    ),
  );
  const identity = await unsealIdentity(document, passphraseProtector(passphrase), source);
  await writeKeyFile(identity, target);
  return identity;
}
