import { lstatSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * A mistake the user can fix (a bad option, a broken data file). The CLI prints its message as
 * one line and exits with `exitCode` (2 unless a subclass says otherwise); anything else is a bug
 * and keeps its stack trace.
 */
export class UserError extends Error {
  override name = 'UserError';
  readonly exitCode: number = 2;
}

/**
 * Training went numerically wrong (the loss became NaN or infinite). Not a bad argument, so not
 * exit code 2: the options were valid, the run failed.
 */
export class Diverged extends UserError {
  override name = 'Diverged';
  override readonly exitCode = 1;
}

/** A Node system error (fs, child_process), which carries an errno code and usually the path. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

const PROBLEMS: Record<string, string> = {
  ENOENT: 'does not exist',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'is not a folder',
  EEXIST: 'already exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many levels of symbolic links (a link that points to itself?)',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error',
  EBUSY: 'busy',
  ETXTBSY: 'busy',
};

/**
 * What is wrong with `file`, in words, for a system error met while using it. Looks at the path
 * again where the errno alone would mislead: ENOENT on a listed file is a dangling link, ENOTDIR
 * means some folder on the way is a file.
 */
export function describeFileProblem(file: string, error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  if (code === 'ENOENT' || code === 'EEXIST') {
    const target = danglingLinkTarget(file);
    if (target !== undefined) return `is a symbolic link to ${target}, which does not exist`;
  }
  if (code === 'EEXIST' && !isDirectory(file)) return 'is a file, not a folder';
  if (code === 'ENOTDIR') {
    const blocker = fileOnTheWay(file);
    if (blocker !== undefined && blocker !== file) return `${blocker} is a file, not a folder`;
  }
  // Node's own text for the rest ("EXDEV: cross-device link not permitted, rename …") minus the
  // code and the syscall's arguments, which repeat the path.
  return (
    PROBLEMS[code] ?? `${(error.message.split(',')[0] ?? error.message).replace(/^\w+: /, '')} (${code})`
  );
}

/** The one line for a system error: the path it concerns (the error's own when not given) and the problem. */
export function fileError(error: NodeJS.ErrnoException, file = error.path ?? '', doing?: string): UserError {
  const problem = describeFileProblem(file, error);
  return new UserError(`${file}: ${doing ? `${doing}: ` : ''}${problem}`);
}

/** Runs `fn`, turning a system error into one line about `file`. */
export async function withFileErrors<T>(file: string, fn: () => Promise<T>, doing?: string): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isSystemError(error)) throw fileError(error, file, doing);
    throw error;
  }
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function danglingLinkTarget(file: string): string | undefined {
  try {
    if (!lstatSync(file).isSymbolicLink()) return undefined;
  } catch {
    return undefined;
  }
  try {
    statSync(file);
    return undefined;
  } catch {
    return readlinkSync(file);
  }
}

/** The nearest existing ancestor of `file` that is not a folder, if one is. */
export function fileOnTheWay(file: string): string | undefined {
  for (let dir = path.resolve(file); ; dir = path.dirname(dir)) {
    try {
      return statSync(dir).isDirectory() ? undefined : dir;
    } catch {
      if (path.dirname(dir) === dir) return undefined;
    }
  }
}
