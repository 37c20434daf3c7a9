// Builds the modeler bundle straight into the Python package, where the Jinja page loads it by a fixed
// name (static/modeler/modeler.js and modeler.css). The output is generated: git ignores it (see
// scripts/after-build.js) and the wheel takes it as a hatch artifact.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/static/modeler/',
  build: {
    outDir: '../src/ticketflow/web/static/modeler',
    emptyOutDir: true,
    // bpmn-js alone is ~580 kB minified; one chunk is what the page wants anyway.
    chunkSizeWarningLimit: 1000,
    rolldownOptions: {
      input: { modeler: 'src/modeler.js' },
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: '[name]-[hash].js',
        assetFileNames: '[name][extname]',
      },
    },
  },
});
