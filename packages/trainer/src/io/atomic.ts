import { randomBytes } from 'node:crypto';
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileError, isSystemError } from '../errors.ts';

/** A failed write names the file the caller asked for, not a temporary one. */
function named(error: unknown, target: string, doing = 'cannot write it'): unknown {
  return isSystemError(error) ? fileError(error, target, doing) : error;
}

/**
 * Writes a file so that readers see the old content or the new one, never half of it:
 * a temporary file in the same folder, then a rename (atomic on POSIX file systems).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true }).catch((error: unknown) => {
    throw named(error, path.dirname(file), 'cannot create the folder');
  });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw named(error, file);
  }
}

/**
 * Replaces a whole folder at once: writes into a fresh sibling folder, then swaps it in, so a
 * crash leaves either the complete old folder or the complete new one. With `from: 'current'` the
 * sibling starts as a copy of the folder (an edit in place rather than a rewrite). A failure after
 * the old folder was moved aside puts it back.
 */
export async function writeDirAtomic(
  dir: string,
  fill: (tmpDir: string) => Promise<void>,
  { from = 'empty' }: { from?: 'empty' | 'current' } = {},
): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const tmp = `${dir}.${suffix}.tmp`;
  const old = `${dir}.${suffix}.old`;
  const start =
    from === 'current'
      ? mkdir(path.dirname(path.resolve(dir)), { recursive: true }).then(() =>
          cp(dir, tmp, { recursive: true, errorOnExist: true }).catch(
            async (error: NodeJS.ErrnoException) => {
              if (error.code !== 'ENOENT') throw error;
              await mkdir(tmp);
            },
          ),
        )
      : mkdir(tmp, { recursive: true });
  await start.catch(async (error: unknown) => {
    await rm(tmp, { recursive: true, force: true });
    throw named(error, dir);
  });
  let swapped = false;
  try {
    await fill(tmp);
    await rename(dir, old).then(
      () => {
        swapped = true;
      },
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      },
    );
    await rename(tmp, dir);
  } catch (error) {
    if (swapped) await rename(old, dir).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    throw named(error, dir);
  }
  await rm(old, { recursive: true, force: true });
}
