// Built into dist/ with fixed file names: the server embeds exactly
// index.html, assets/console.js and assets/console.css.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    cssCodeSplit: false,
    modulePreload: false,
    reportCompressedSize: false,
    rollupOptions: {
      output: {
        entryFileNames: 'assets/console.js',
        assetFileNames: 'assets/console[extname]',
        inlineDynamicImports: true,
      },
    },
  },
});
