import { defineConfig } from 'vite';

// Main process bundle. Native and Electron modules stay external: serialport's N-API prebuilds are
// loaded from node_modules (unpacked from asar by electron-builder), never bundled.
export default defineConfig({
  // Everything else is bundled, so the packaged app needs only the native modules in node_modules.
  ssr: { noExternal: true },
  build: {
    outDir: '.vite/build',
    emptyOutDir: false,
    target: 'node24',
    ssr: true,
    lib: { entry: 'electron/main.ts', formats: ['es'], fileName: () => 'main.js' },
    rollupOptions: { external: ['electron', /^node:/, 'serialport', /^@serialport\//] },
  },
});
