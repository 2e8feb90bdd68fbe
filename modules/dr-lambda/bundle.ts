/**
 * Bundles the reconciler Lambda with esbuild at synth time.
 *
 * The AWS SDK is bundled in rather than taken from the runtime: the Node 22 runtime's bundled SDK version
 * is not pinned, and the reconciler is tested against the lockfile's versions.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildSync } from 'esbuild';

/** The file the bundle writes; the Lambda handler is `index.handler`. */
export const BUNDLE_FILE = 'index.js';

/** Walks up from `start` to the folder holding package.json: the project root. */
export function projectRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json found above ${start}`);
    dir = parent;
  }
}

/**
 * Bundles `entry` (a .ts or .js file exporting `handler`) into `outDir/index.js`, replacing whatever
 * `outDir` held, and returns `outDir`. Synchronous because constructs are built synchronously.
 */
export function bundleLambda(entry: string, outDir: string): string {
  if (!fs.existsSync(entry)) {
    throw new Error(`lambda entry not found: ${entry} (it must export \`handler\`)`);
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  buildSync({
    entryPoints: [entry],
    outfile: path.join(outDir, BUNDLE_FILE),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
  });
  return outDir;
}
