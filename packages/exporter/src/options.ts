import path from 'node:path';
import { isModelId, MODEL_IDS, type ModelId } from '@autoencoders/modelkit';
import { InvalidArgumentError } from 'commander';

/** `--model simple,conv` or `all`, for the export and evaluate commands. */
export function parseModels(value: string): ModelId[] | 'all' {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 1 && ids[0] === 'all') return 'all';
  const unknown = ids.filter((id) => !isModelId(id));
  if (ids.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown model ${unknown.join(', ') || '(none given)'}; choose from ${MODEL_IDS.join(', ')} or all.`,
    );
  }
  return [...new Set(ids)] as ModelId[];
}

/** Relative paths are the user's: pnpm runs scripts in the package folder but records where they were typed. */
export const userPath = (p: string): string => path.resolve(process.env.INIT_CWD ?? process.cwd(), p);
