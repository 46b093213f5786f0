import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeFileProblem, fileError, isSystemError, UserError } from '../errors.ts';

/** stat, or undefined where nothing is there (a dangling link counts as something). */
async function statIfAny(p: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(p);
  } catch (error) {
    if (!isSystemError(error) || error.code !== 'ENOENT') throw error;
    // A dangling link: stat says nothing is there, but mkdir would say EEXIST.
    if (
      await lstat(p).then(
        () => true,
        () => false,
      )
    )
      throw error;
    return undefined;
  }
}

/**
 * `mkdir -p` that fails with one line, for the folder an option names (`role`, e.g. '--out').
 * Not `mkdir(dir, { recursive: true })`: Node's recursive mkdir never returns where mkdir says
 * ENOENT under a folder that exists (`--out /proc/x` hung the CLI), and its errors name neither
 * the part of the path that is wrong nor why.
 */
export async function makeDir(dir: string, role: string): Promise<void> {
  const target = path.resolve(dir);
  const cannot = (problem: string) =>
    new UserError(`${target}: cannot create the ${role} folder: ${problem}`);
  const missing: string[] = [];
  for (let p = target; ; p = path.dirname(p)) {
    let stats: Awaited<ReturnType<typeof stat>> | undefined;
    try {
      stats = await statIfAny(p);
    } catch (error) {
      // Some folder on the way is a file: walk on up to name it.
      if (isSystemError(error) && error.code === 'ENOTDIR') {
        missing.unshift(p);
        continue;
      }
      if (isSystemError(error)) {
        throw p === target
          ? fileError(error, p, `cannot use it as the ${role} folder`)
          : cannot(`${p}: ${describeFileProblem(p, error)}`);
      }
      throw error;
    }
    if (stats?.isDirectory()) break;
    if (stats) {
      throw p === target
        ? new UserError(`${target}: cannot use it as the ${role} folder: it is a file`)
        : cannot(`${p} is a file, not a folder`);
    }
    missing.unshift(p);
    if (path.dirname(p) === p) break;
  }
  for (const part of missing) {
    try {
      await mkdir(part);
    } catch (error) {
      if (!isSystemError(error)) throw error;
      // Another process may have made it meanwhile.
      if (
        error.code === 'EEXIST' &&
        (await stat(part).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        continue;
      // The parent is a folder (checked above), so ENOENT means the file system takes no new
      // folders there (/proc), not that something is missing.
      const problem =
        error.code === 'ENOENT'
          ? `${path.dirname(part)} takes no new folders (ENOENT)`
          : `${part === target ? '' : `${part}: `}${describeFileProblem(part, error)}`;
      throw cannot(problem);
    }
  }
}

/**
 * Whether files can be made in `dir`, by making one: permission bits say nothing for root, nor
 * for read-only mounts or file systems that refuse new files (/sys).
 */
export async function checkWritable(dir: string, role: string): Promise<void> {
  const probe = path.join(dir, `.write-test-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(probe, '');
  } catch (error) {
    if (!isSystemError(error)) throw error;
    const problem =
      error.code === 'ENOENT' || error.code === 'EISDIR'
        ? `it takes no new files (${error.code})`
        : describeFileProblem(dir, error);
    throw new UserError(`${dir}: cannot write in the ${role} folder: ${problem}`);
  }
  await rm(probe, { force: true });
}

/** What a run writes at a path: a file, or a folder of files. */
export type OutputKind = 'file' | 'folder';

/** Where a run will write (and replace) each name: in `<out>/`, and in every `<out>/<id>/`. */
export interface OutputLayout {
  top: Record<string, OutputKind>;
  perModel: Record<string, OutputKind>;
}

/** Refuses a path holding the other kind of thing than the run will write there. */
async function checkKind(p: string, kind: OutputKind, what: string): Promise<boolean> {
  let stats: Awaited<ReturnType<typeof stat>> | undefined;
  try {
    stats = await statIfAny(p);
  } catch (error) {
    if (isSystemError(error)) throw fileError(error, p, `cannot hold ${what}`);
    throw error;
  }
  if (!stats) return false;
  if (stats.isDirectory() !== (kind === 'folder')) {
    throw new UserError(
      `${p}: is a ${stats.isDirectory() ? 'folder' : 'file'}, but the run writes ${what} here as a ${kind} (move it, or choose another --out)`,
    );
  }
  return true;
}

/**
 * Makes sure a run can write its results before it spends time loading a backend and data:
 * `out` is (or is created as) a writable folder, each model's `<out>/<id>` is a writable folder
 * or can be made as one, and nothing in the way of what the run writes there is the wrong kind
 * (a folder where a file goes, found only when the first epoch is saved). Model folders are not
 * created here, so a run stopped early leaves no empty folders for models it never reached.
 */
export async function prepareOutDir(
  out: string,
  models: readonly string[],
  layout: OutputLayout = { top: {}, perModel: {} },
): Promise<void> {
  await makeDir(out, '--out');
  await checkWritable(out, '--out');
  for (const [name, kind] of Object.entries(layout.top)) await checkKind(path.join(out, name), kind, name);
  for (const model of models) {
    const dir = path.join(out, model);
    if (!(await checkKind(dir, 'folder', `the ${model} model's results`))) continue;
    await checkWritable(dir, `${model} model's`);
    for (const [name, kind] of Object.entries(layout.perModel))
      await checkKind(path.join(dir, name), kind, `the ${model} model's ${name}`);
  }
}
