import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The gateway the dev server and `vite preview` forward /v1 to (the local stack by default).
const target = process.env.SDP_GATEWAY || 'http://127.0.0.1:8080';
const proxy = { '/v1': { target, changeOrigin: false } };

export default defineConfig({
  plugins: [react()],
  server: { host: '127.0.0.1', port: 5173, proxy },
  preview: { host: '127.0.0.1', port: 5173, proxy },
  build: { outDir: 'dist', chunkSizeWarningLimit: 2500 },
});
