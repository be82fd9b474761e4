import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The signaling server the dev server forwards /api and socket.io to (`npm start` listens on 8080). */
const server = process.env.MADOGUCHI_SERVER ?? 'https://127.0.0.1:8080';

// Served by the signaling server at /console/ from operator-console/dist.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      output: {
        // Libraries change less often than the app: separate chunks stay cached across releases.
        manualChunks: {
          react: ['react', 'react-dom', 'react-dom/client'],
          media: ['mediasoup-client', 'socket.io-client'],
          zod: ['zod'],
        },
      },
    },
  },
  server: {
    proxy: {
      // `npm start` serves HTTPS with its own CA, which this dev server does not need to trust.
      '/api': { target: server, secure: false },
      '/socket.io': { target: server, ws: true, secure: false },
    },
  },
});
