/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// During `npm run dev` the Parlor server runs separately (default port 8080);
// REST and the WebSocket go to it through this proxy so the app stays same-origin.
const serverUrl = process.env.PARLOR_DEV_SERVER ?? 'http://127.0.0.1:8080';

// The version client error reports carry: `PARLOR_VERSION` (e.g. a git describe) or package.json's.
const packageVersion = (JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string }).version;
const version = process.env.PARLOR_VERSION || packageVersion;

export default defineConfig(({ mode }) => ({
  plugins: [react()],
  define: {
    __PARLOR_VERSION__: JSON.stringify(version),
    // `window.__parlor.failComponent` (src/lib/failures.ts, src/call/debug.ts): on in dev and tests; a
    // production build has it only when built with PARLOR_TEST_HOOKS=1, as the e2e suite does.
    __PARLOR_TEST_HOOKS__: JSON.stringify(mode !== 'production' || process.env.PARLOR_TEST_HOOKS === '1'),
  },
  server: {
    proxy: {
      '/api': { target: serverUrl, changeOrigin: false },
      '/ws': { target: serverUrl, ws: true, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
}));
