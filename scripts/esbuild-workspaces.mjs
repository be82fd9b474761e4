/**
 * esbuild plugin for the servers' bundles (signaling/, sfu/): the workspace libraries (@madoguchi/*,
 * TypeScript sources) go into the bundle; packages from node_modules stay imports, so that mediasoup,
 * Prisma's runtime and better-sqlite3 find their own native and wasm files.
 */
export const bundleWorkspacesOnly = {
  name: 'bundle-workspaces-only',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, ({ path }) => (path.startsWith('@madoguchi/') ? undefined : { path, external: true }));
  },
};
