import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The BFF serves the built portal and the API from one origin; in development Vite proxies
// the API so the session cookie stays same-origin. The Host header is kept (no
// changeOrigin, which the string shorthand would turn on) so the BFF's cross-site check sees
// the browser's Origin as its own.
const bff = { target: 'http://127.0.0.1:3000', changeOrigin: false };

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/api': bff, '/.well-known': bff },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
});
