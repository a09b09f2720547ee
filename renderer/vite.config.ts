/** `npx vite build renderer` uses the same configuration as scripts/start.ts and the browser tests. */
import { defineConfig } from 'vite';
import { viteConfig } from './build.ts';

export default defineConfig(viteConfig());
