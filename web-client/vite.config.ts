import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Three pages: the booth tablet (index.html), a guest's link (guest.html, served at /guest/) and the
 * residents' public booking page (booking.html, served at /booking/).
 */
const page = (name: string) => new URL(name, import.meta.url).pathname;

/**
 * The signaling server serves the built app at /kiosk/ and answers /api and socket.io on the
 * same origin. For `npm run dev`, point MADOGUCHI_SERVER at a running server (default :8080).
 */
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const server = env.MADOGUCHI_SERVER ?? 'https://127.0.0.1:8080';

export default defineConfig({
  base: '/kiosk/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      input: { kiosk: page('index.html'), guest: page('guest.html'), booking: page('booking.html') },
      output: {
        // Libraries change less often than the app: separate files stay cached on the tablets.
        manualChunks(id: string): string | undefined {
          if (!id.includes('node_modules')) return undefined;
          if (/[\\/](react|react-dom|scheduler)[\\/]/.test(id)) return 'react';
          if (/[\\/]zod[\\/]/.test(id)) return 'zod';
          if (/[\\/]pdfjs-dist[\\/]/.test(id)) return 'pdf'; // loaded only when a PDF is shown
          return 'media'; // mediasoup-client, socket.io-client and their dependencies
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
