// Vite builds the app into web/dist (`make web`). `npm run dev` serves it on http://localhost:5173, the dev
// profile's callback origin, and takes /config.json from the web server of `make local` (docs/web.md).
import { defineConfig } from "vite";

export default defineConfig({
  resolve: {
    alias: {
      // The package maps its browser entry in package.json "browser" by a path without extension, which Vite does
      // not match against its "module" entry; without this, the Node-only providers are pulled in (and stubbed).
      "@aws-sdk/credential-providers": "@aws-sdk/credential-providers/dist-es/index.browser.js",
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // One script and one stylesheet: no inline code, so the CSP allows scripts and styles from 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    host: "localhost",
    port: 5173,
    strictPort: true,
    proxy: { "/config.json": process.env.LOCAL_WEB_URL ?? "http://127.0.0.1:9304" },
  },
});
