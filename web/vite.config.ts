/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The gateway serves the built app (WEB_DIST_DIR, default web/dist); `npm run dev` proxies the API to it.
const gateway = process.env.AL_GATEWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': gateway,
      '/socket.io': { target: gateway, ws: true },
    },
  },
  build: { outDir: 'dist', assetsDir: 'assets', sourcemap: false },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    // Israel's time zone (with its daylight-saving change), as the app's users have it.
    env: { TZ: 'Asia/Jerusalem' },
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
