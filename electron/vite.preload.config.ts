import { defineConfig } from 'vite';

// Sandboxed preloads cannot be ES modules: one CommonJS file that requires only 'electron'.
export default defineConfig({
  build: {
    outDir: '.vite/build',
    emptyOutDir: false,
    target: 'chrome140',
    lib: { entry: 'electron/preload.ts', formats: ['cjs'], fileName: () => 'preload.js' },
    rollupOptions: { external: ['electron'] },
  },
});
