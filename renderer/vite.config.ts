import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console builds once into dist/console and is served unchanged by the desktop app
// (pakit:// protocol) and by the headless node (HTTP). Relative asset paths make both work.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // One request less and no inline scripts: the CSP allows only 'self'.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
