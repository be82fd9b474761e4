/**
 * Builds the server for `npm start`: signaling with the workspace libraries it imports (protocol,
 * sfu, @madoguchi/db and its generated Prisma client) bundled into dist/main.js, and the records
 * writer thread into dist/recordsWriterThread.js beside it (ConsultationRecorder starts it from
 * there). Packages from node_modules stay imports: mediasoup, Prisma's runtime and better-sqlite3
 * find their own native and wasm files. Source maps (without the sources) give stack traces in
 * TypeScript with `node --enable-source-maps`.
 *
 * Memory (README, Benchmarks): Prisma's query compiler is loaded from a .wasm file written beside
 * main.js instead of the runtime's base64 module, whose 2 MB of text (its source and its string, 4 MB
 * of heap) a loaded module keeps for good. The bundle's own source is kept too: without comments and
 * indentation, and ASCII only (esbuild escapes strings; the sources write regular expressions with
 * escapes), V8 holds it as 0.7 MB of one-byte text instead of 1.7 MB of two-byte text.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { bundleWorkspacesOnly } from '../../scripts/esbuild-workspaces.mjs';

const signalingDir = fileURLToPath(new URL('..', import.meta.url));
const outdir = 'dist';
/** Resolves the generated clients' imports (the runtime lives in prisma/'s node_modules). */
const requireFromPrisma = createRequire(fileURLToPath(new URL('../../prisma/package.json', import.meta.url)));

/**
 * The generated clients' `getQueryCompilerWasmModule` reads the module decoded here from a file
 * instead of importing its base64 text. Fails the build if Prisma's generated code no longer has
 * the expected shape (a Prisma upgrade), rather than silently keeping the costly path.
 */
const queryCompilerFromFile = {
  name: 'query-compiler-from-file',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]generated[\\/][^\\/]+[\\/]internal[\\/]class\.ts$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const pattern = /const \{ wasm \} = await import\("(@prisma\/client\/runtime\/(query_compiler_\w+_bg\.\w+)\.wasm-base64\.mjs)"\)\s*\n\s*return await decodeBase64AsWasm\(wasm\)/;
      const match = pattern.exec(source);
      if (!match) throw new Error(`${path}: Prisma's query compiler loader has changed; update signaling/scripts/build.mjs`);
      const [, specifier, name] = match;
      return import(pathToFileURL(requireFromPrisma.resolve(specifier)).href).then(({ wasm }) => {
        mkdirSync(join(signalingDir, outdir), { recursive: true });
        writeFileSync(join(signalingDir, outdir, `${name}.wasm`), Buffer.from(wasm, 'base64'));
        const load = `const { readFile } = await import('node:fs/promises')\n    return new WebAssembly.Module(await readFile(new URL('./${name}.wasm', import.meta.url)))`;
        return { contents: source.replace(pattern, load), loader: 'ts' };
      });
    });
  },
};

await build({
  absWorkingDir: signalingDir,
  entryPoints: { main: 'src/main.ts', recordsWriterThread: 'src/records/recordsWriterThread.ts' },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  sourcesContent: false,
  minifyWhitespace: true,
  plugins: [queryCompilerFromFile, bundleWorkspacesOnly],
  logLevel: 'warning',
});

/**
 * Libraries that only some servers use, loaded on first use (`import()` or lazyPg.ts): a static import
 * of one of them would load it into every server at start (the Redis libraries alone are 7 MB of RSS).
 */
const LOADED_ON_USE = ['ioredis', '@socket.io/redis-adapter', 'socket.io-client', 'pdf-lib', '@pdf-lib/fontkit', 'pg', '@prisma/adapter-pg'];
// A character beyond ASCII left in the bundle (a regular expression's, which esbuild does not escape)
// makes V8 keep the whole source as two-byte text: fail here rather than silently pay for it.
for (const file of ['main.js', 'recordsWriterThread.js']) {
  const source = readFileSync(join(signalingDir, outdir, file), 'utf8');
  const at = source.search(/[^\x00-\x7f]/);
  if (at >= 0) throw new Error(`${outdir}/${file} is not ASCII only (at …${source.slice(Math.max(0, at - 60), at + 10)}…): write that character as a \\u escape in the source`);
  for (const name of LOADED_ON_USE) {
    if (source.includes(`from"${name}"`)) throw new Error(`${outdir}/${file} imports ${name} at start: load it where it is used (import()), see LOADED_ON_USE`);
  }
}
