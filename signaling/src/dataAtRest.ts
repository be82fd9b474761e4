import { chmodSync, lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@madoguchi/protocol/logger';

const logger = createLogger('data-at-rest');

/** Only the server's own user may list, read or write what it keeps. */
export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

export interface PrivatePaths {
  /** Directories kept private with everything in them (the data directory, the stills). */
  trees: string[];
  /** Single files that may live elsewhere (a DATABASE_URL or JWT_SECRET_FILE outside the data directory). */
  files: string[];
}

/**
 * Residents' faces, documents and names live in the database and the stills; the JWT secret and
 * the token files open the whole service. Each must be readable by the server's user alone: any
 * path found wider (an older install, a copy made under a loose umask, a restored backup) is
 * narrowed at start-up with a warning. Symbolic links are left alone rather than followed.
 * Returns the paths it repaired.
 */
export function enforcePrivateModes({ trees, files }: PrivatePaths): string[] {
  const repaired: string[] = [];
  const narrow = (path: string, stats: Stats) => {
    const mode = stats.isDirectory() ? PRIVATE_DIRECTORY_MODE : PRIVATE_FILE_MODE;
    if ((stats.mode & 0o777 & ~mode) === 0) return;
    chmodSync(path, mode);
    repaired.push(`${path} (${(stats.mode & 0o777).toString(8)} → ${mode.toString(8)})`);
  };
  const visit = (path: string) => {
    const stats = statIfPresent(path);
    if (!stats || stats.isSymbolicLink()) return;
    if (stats.isDirectory()) {
      narrow(path, stats);
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else if (stats.isFile()) {
      narrow(path, stats);
    }
  };
  for (const tree of trees) visit(tree);
  for (const file of files) visit(file);
  if (repaired.length > 0) {
    logger.warn(`${repaired.length} data path(s) were readable by other users and are now private: ${repaired.slice(0, 10).join(', ')}${repaired.length > 10 ? ', …' : ''}`);
  }
  return repaired;
}

function statIfPresent(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
