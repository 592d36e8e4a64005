import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests drive Debian's Chromium (never a downloaded browser) against the real
 * `parlor` binary, which global-setup starts on a free loopback port with a fresh data
 * directory and the client built into `dist-e2e/`. Run `npm run build:e2e` first: that build has
 * the test hooks (the specs that make a part of the page fail use them; see e2e/test-hooks.ts).
 */
export default defineConfig({
  testDir: './e2e',
  // Screenshots and the call figures run when asked for (docs/ and bench/README.md).
  testIgnore: [
    ...(process.env.PARLOR_SCREENSHOTS ? [] : ['**/screenshots.spec.ts']),
    ...(process.env.PARLOR_FIGURE_JOINS ? [] : ['**/call-figures.spec.ts']),
  ],
  globalSetup: './e2e/global-setup.ts',
  globalTeardown: './e2e/global-teardown.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.PARLOR_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        '--allow-loopback-in-peer-connection',
      ],
    },
  },
});
