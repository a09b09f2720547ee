/** `vite build --config renderer/console/vite.config.ts`: the same configuration as renderer/console/build.ts. */
import { defineConfig } from 'vite';
import { consoleViteConfig } from './build.ts';

export default defineConfig(consoleViteConfig());
