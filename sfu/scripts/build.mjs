/**
 * Builds the SFU node for `npm start -w sfu`: src/main.ts with the workspace libraries it imports
 * bundled into dist/main.js; packages from node_modules stay imports (mediasoup finds its worker).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleWorkspacesOnly } from '../../scripts/esbuild-workspaces.mjs';

await build({
  absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
  entryPoints: { main: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  sourcesContent: false,
  plugins: [bundleWorkspacesOnly],
  logLevel: 'warning',
});
