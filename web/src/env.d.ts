/** Constants Vite's `define` puts into the build (vite.config.ts). */

/** The client's version: `PARLOR_VERSION` at build time, else package.json's `version`. */
declare const __PARLOR_VERSION__: string;

/**
 * Test hooks (`window.__parlor.failComponent`): on in `vite` dev and in Vitest, off in
 * `vite build` unless built with `PARLOR_TEST_HOOKS=1` (what the e2e suite does); when off,
 * the code behind it is dropped from the bundle.
 */
declare const __PARLOR_TEST_HOOKS__: boolean;
