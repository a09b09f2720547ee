/** The page's globals: `window.till` is there when the page runs in the Electron shell (see electron/preload). */
import type { TillPreloadApi } from '../electron/ipc-contract.ts';

declare global {
  interface Window {
    /** The preload's API; undefined in a plain browser. */
    till?: TillPreloadApi;
  }
}
