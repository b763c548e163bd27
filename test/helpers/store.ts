import { afterEach } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { tmpDbPath } from './tmp.js';

/** Registers cleanup and returns `open`: each call opens a new mirror in a fresh temporary directory, closed and removed after the test. */
export function tempStores(): () => Store {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  return () => {
    const { path, cleanup } = tmpDbPath();
    const store = openStore(path);
    cleanups.push(() => {
      store.close();
      cleanup();
    });
    return store;
  };
}
