/**
 * Builds the server for `npm start`: signaling with the workspace libraries it imports (protocol,
 * sfu, @madoguchi/db and its generated Prisma client) bundled into dist/main.js, and the records
 * writer thread into dist/recordsWriterThread.js beside it (ConsultationRecorder starts it from
 * there). Packages from node_modules stay imports: mediasoup, Prisma's runtime and better-sqlite3
 * find their own native and wasm files. Source maps (without the sources) give stack traces in
 * TypeScript with `node --enable-source-maps`.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const nodeModulesExternal = {
  name: 'node-modules-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, ({ path }) => (path.startsWith('@madoguchi/') ? undefined : { path, external: true }));
  },
};

await build({
  absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
  entryPoints: { main: 'src/main.ts', recordsWriterThread: 'src/records/recordsWriterThread.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  sourcesContent: false,
  plugins: [nodeModulesExternal],
  logLevel: 'warning',
});
