// Builds the dashboard into ./dist (git-ignored), which the proxy serves at `/` (proxy/dashboard/static.ts).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline scripts or styles beyond what the page's Content-Security-Policy allows.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    // One chunk of ~650 kB (~190 kB gzipped: React, recharts, the pages); the budget that matters is gzipped
    // JS under 300 KiB, measured by bench/dashboard.
    chunkSizeWarningLimit: 800,
  },
});
