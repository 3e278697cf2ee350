// The key file: JSON, versioned, checksummed, created atomically with mode 0600 and never replaced.
//
//   { "format": "pakit-node-key", "version": 1, "created_at": "…", "public_key": "<base64>",
//     "fingerprint": "ABCD-…", "protection": { "kind": "passphrase" | "safe-storage", … },
//     "checksum": "sha256:<hex of the canonical JSON of every other field>" }
//
// Telling failures apart honestly: unparsable JSON, a wrong shape or a checksum mismatch means the
// file was damaged or edited (key_file_corrupt). With an intact file, a passphrase whose check value
// differs is a wrong passphrase; a right check value with a failing GCM tag is corruption or
// tampering that kept the checksum valid. The checksum is not a security measure (GCM is); it
// keeps a flipped bit in the salt or parameters from being misreported as a wrong passphrase.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { fsyncDirectory } from '../fs/durable.ts';
import { IdentityError } from './errors.ts';
import { fingerprintOf, NodeIdentity } from './keys.ts';
import { damaged, SCRYPT_LIMITS, type SealedSecret, type SealedSource, type SecretProtector } from './protectors.ts';

export const KEY_FILE_FORMAT = 'pakit-node-key';
const KEY_FILE_VERSION = 1;

const base64 = (bytes: number) =>
  z.string().refine((text) => Buffer.from(text, 'base64').length === bytes && Buffer.from(text, 'base64').toString('base64') === text, `${bytes} bytes of base64`);

const sealedSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('passphrase'),
    kdf: z
      .strictObject({
        name: z.literal('scrypt'),
        n: z.number().int().min(SCRYPT_LIMITS.minN).max(SCRYPT_LIMITS.maxN).refine((n) => (n & (n - 1)) === 0, 'a power of two'),
        r: z.number().int().min(1).max(SCRYPT_LIMITS.maxR),
        p: z.number().int().min(1).max(SCRYPT_LIMITS.maxP),
        salt: base64(16),
      })
      .refine(({ n, r, p }) => 128 * n * r * p <= SCRYPT_LIMITS.maxMemory, 'scrypt memory within 1 GiB'),
    cipher: z.strictObject({ name: z.literal('aes-256-gcm'), iv: base64(12), ciphertext: base64(32), tag: base64(16) }),
    check: base64(16),
  }),
  z.strictObject({
    kind: z.literal('safe-storage'),
    backend: z.string().min(1),
    level: z.enum(['strong', 'weak']),
    ciphertext: z.string().min(1).refine((text) => Buffer.from(text, 'base64').toString('base64') === text, 'base64'),
  }),
]);

/** The fields every sealed identity document (key file or backup) carries besides its own. */
export const sealedIdentityFields = {
  public_key: base64(32),
  fingerprint: z.string(),
  protection: sealedSchema,
};

const keyFileSchema = z.strictObject({
  format: z.literal(KEY_FILE_FORMAT),
  version: z.literal(KEY_FILE_VERSION),
  created_at: z.iso.datetime(),
  ...sealedIdentityFields,
});

export type KeyFileOptions = {
  keyFile: string;
  protector: SecretProtector;
  /** Injected clock for `created_at`. */
  now?: () => Date;
};

/**
 * The node's identity: loaded from `keyFile`, or created there when no file exists. Any problem with
 * an existing file stops start-up with an IdentityError; a new identity is never written over one.
 */
export async function loadOrCreateIdentity(options: KeyFileOptions): Promise<{ identity: NodeIdentity; created: boolean }> {
  removeLeftoverTempFiles(options.keyFile);
  const text = readKeyFile(options.keyFile);
  if (text !== null) return { identity: await openKeyFile(text, options.keyFile, options.protector), created: false };
  const identity = NodeIdentity.generate();
  try {
    await writeKeyFile(identity, options);
  } catch (error) {
    // Another process created it first: use that one, never ours.
    if (error instanceof IdentityError && error.code === 'key_file_exists') {
      return { identity: await loadIdentity(options.keyFile, options.protector), created: false };
    }
    throw error;
  }
  return { identity, created: true };
}

/** Loads an existing key file; a missing one is `key_file_unreadable`. */
export async function loadIdentity(keyFile: string, protector: SecretProtector): Promise<NodeIdentity> {
  const text = readKeyFile(keyFile);
  if (text === null) {
    throw new IdentityError('key_file_unreadable', `There is no key file at ${keyFile}.`, 'Check the data directory path.', { file: keyFile });
  }
  return openKeyFile(text, keyFile, protector);
}

/** Whether a key file exists (e.g. to ask for a new passphrase twice, an existing one once). */
export function keyFileExists(keyFile: string): boolean {
  return existsSync(keyFile);
}

/** Seals `identity` with `protector` into a new key file; `key_file_exists` if one is there. */
export async function writeKeyFile(identity: NodeIdentity, options: KeyFileOptions): Promise<void> {
  const body = {
    format: KEY_FILE_FORMAT,
    version: KEY_FILE_VERSION,
    created_at: (options.now ?? (() => new Date()))().toISOString(),
    ...(await sealIdentity(identity, options.protector, KEY_FILE_FORMAT, KEY_FILE_VERSION)),
  };
  writeNewFileExclusive(options.keyFile, encodeDocument(body));
}

export async function sealIdentity(
  identity: NodeIdentity,
  protector: SecretProtector,
  format: string,
  version: number,
): Promise<{ public_key: string; fingerprint: string; protection: SealedSecret }> {
  const publicKey = Buffer.from(identity.publicKey).toString('base64');
  return {
    public_key: publicKey,
    fingerprint: identity.fingerprint,
    protection: await protector.seal(identity.exportSeed(), sealingContext(format, version, publicKey)),
  };
}

/** Opens the sealed seed of a validated document and checks it is the key the document names. */
export async function unsealIdentity(
  document: { format: string; version: number; public_key: string; fingerprint: string; protection: SealedSecret },
  protector: SecretProtector,
  source: SealedSource,
): Promise<NodeIdentity> {
  if (fingerprintOf(Buffer.from(document.public_key, 'base64')) !== document.fingerprint) {
    throw damaged(source, 'its fingerprint does not match its public key');
  }
  const seed = await protector.open(document.protection, sealingContext(document.format, document.version, document.public_key), source);
  const identity = NodeIdentity.fromSeed(seed);
  if (Buffer.from(identity.publicKey).toString('base64') !== document.public_key) {
    throw damaged(source, 'the decrypted key does not match the public key recorded with it');
  }
  return identity;
}

/** JSON with a checksum over the canonical form of the other fields. */
export function encodeDocument(body: Record<string, unknown>): string {
  return `${JSON.stringify({ ...body, checksum: checksumOf(body) }, null, 2)}\n`;
}

/**
 * Parses a checksummed document. Structure problems become `damaged(...)`; a known format with a
 * newer version is reported as such rather than as damage.
 */
export function decodeDocument<T>(
  text: string,
  schema: z.ZodType<T>,
  expected: { format: string; version: number },
  source: SealedSource,
  newerVersion: (version: unknown) => IdentityError,
): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw damaged(source, 'it is not valid JSON (truncated or edited)', cause);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw damaged(source, 'it is not a JSON object');
  const { checksum, ...body } = parsed as Record<string, unknown>;
  if (body.format !== expected.format) throw damaged(source, `it is not a ${source.what} (format ${JSON.stringify(body.format)})`);
  if (typeof body.version === 'number' && body.version > expected.version) throw newerVersion(body.version);
  if (checksum !== checksumOf(body)) throw damaged(source, 'its checksum does not match its contents (damaged or edited)');
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw damaged(source, `field ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

async function openKeyFile(text: string, keyFile: string, protector: SecretProtector): Promise<NodeIdentity> {
  const source: SealedSource = { file: keyFile, what: 'key file' };
  const document = decodeDocument(text, keyFileSchema, { format: KEY_FILE_FORMAT, version: KEY_FILE_VERSION }, source, (version) =>
    new IdentityError(
      'key_file_unsupported',
      `The key file ${keyFile} has format version ${String(version)}, written by a newer Pakit Mesh; this version reads version ${KEY_FILE_VERSION}.`,
      'Run the newer Pakit Mesh that created it.',
      { file: keyFile },
    ),
  );
  return unsealIdentity(document, protector, source);
}

/** The key file's text, or null when there is none. */
function readKeyFile(keyFile: string): string | null {
  try {
    return readFileSync(keyFile, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new IdentityError(
      'key_file_unreadable',
      `The key file ${keyFile} cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)}).`,
      `Check that ${keyFile} is a file owned by the user running Pakit Mesh and readable by it (chmod 600).`,
      { file: keyFile, cause },
    );
  }
}

/** The secret is bound to the document kind and public key (GCM associated data). */
function sealingContext(format: string, version: number, publicKey: string): Uint8Array {
  return Buffer.from(`${format}/${version}/${publicKey}`);
}

function checksumOf(body: Record<string, unknown>): string {
  return `sha256:${createHash('sha256').update(canonicalJson(body)).digest('hex')}`;
}

/** JSON with object keys sorted, so reformatting the file does not change its checksum. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const TEMP_SUFFIX = '.tmp';

/**
 * Temp file (0600, fsynced), then a hard link to the final name, which fails if that name exists:
 * creation is atomic and can never replace a key file, even when two processes race.
 */
export function writeNewFileExclusive(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      rmSync(temp, { force: true });
      throw new IdentityError(
        'key_file_exists',
        `A key file already exists at ${path}; it was left untouched.`,
        `To replace that identity, move ${path} away first (keep it: it is the node's identity).`,
        { file: path, cause },
      );
    }
    // Filesystems without hard links (FAT on a memory stick): check, then rename.
    if (existsSync(path)) {
      rmSync(temp, { force: true });
      throw new IdentityError('key_file_exists', `A key file already exists at ${path}; it was left untouched.`, `Move ${path} away first.`, { file: path, cause });
    }
    renameSync(temp, path);
  }
  rmSync(temp, { force: true });
  fsyncDirectory(dirname(path));
}

/** A crash between writing the temp file and linking it leaves one behind; it holds nothing new. */
function removeLeftoverTempFiles(keyFile: string): void {
  const prefix = `${basename(keyFile)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(keyFile));
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX)) rmSync(join(dirname(keyFile), name), { force: true });
  }
}
