import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where an embedded server keeps the HS256 secret it made, under its data directory. */
export const devSecretPath = (dataDir: string): string => join(dataDir, 'identity', 'jwt-secret');

/** The data directory's secret, if one was made before. */
export const readDevSecret = async (dataDir: string): Promise<string | undefined> => {
  try {
    return (await readFile(devSecretPath(dataDir), 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

/**
 * The data directory's secret, made on first use, so tokens minted for it keep working across
 * restarts. Owner-only (0600): whoever reads it can mint any role.
 */
export const loadOrCreateDevSecret = async (dataDir: string): Promise<string> => {
  const existing = await readDevSecret(dataDir);
  if (existing !== undefined) return existing;
  const path = devSecretPath(dataDir);
  await mkdir(join(dataDir, 'identity'), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  // `wx`: two processes starting at once must not each write their own.
  try {
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readDevSecret(dataDir))!;
    throw error;
  }
  await chmod(path, 0o600); // the umask may have taken bits away, never added: this is for certainty
  return secret;
};
