import { afterEach } from 'vitest';

/**
 * Registers an afterEach that undoes, newest first, whatever a test set up through the returned
 * function (stop a server, dispose a client, remove a directory), pass or fail.
 */
export const useCleanups = (): ((...cleanups: (() => Promise<unknown> | unknown)[]) => void) => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return (...more) => {
    cleanups.push(...more);
  };
};
