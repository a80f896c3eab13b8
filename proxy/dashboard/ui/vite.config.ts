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
    // The app (~250 kB, React included) and the lazily loaded chart (~410 kB, recharts); the budget that matters is
    // gzipped JS under 300 KiB, measured by bench/dashboard.
    chunkSizeWarningLimit: 450,
  },
});
