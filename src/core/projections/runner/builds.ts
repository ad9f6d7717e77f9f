import type { Projection } from '../projection.js';

/*
 * A projection's code version and the builds of it in Redis. Each build has its own key space
 * (the `version` of keys.ts): build number = code version × 1000 + generation. Generation 0 is
 * the first build of a code version; `projections rebuild` makes the next one from the same code
 * while the current one keeps serving. The code version of any build is thus readable from its
 * number, and "is this build older than my code?" needs no extra bookkeeping.
 */

export const GENERATIONS_PER_VERSION = 1000;

export const firstBuildOf = (codeVersion: number): number => codeVersion * GENERATIONS_PER_VERSION;

export const codeVersionOf = (build: number): number => Math.floor(build / GENERATIONS_PER_VERSION);

/** What a runner of `projection` should do, given the build readers use now. */
export type BuildPlan =
  /** Nothing serves yet: build the first generation, serving it from the start. */
  | { readonly kind: 'first'; readonly build: number }
  /** Readers use a build of this code version: keep it up to date. */
  | { readonly kind: 'follow'; readonly build: number }
  /** Readers use a build of older code: build this version beside it, switch when caught up. */
  | { readonly kind: 'replace'; readonly build: number; readonly replacing: number }
  /** Readers use a build of newer code (this process is older): do nothing. */
  | { readonly kind: 'stand-by'; readonly newer: number };

/**
 * The plan for `projection` given the active build. `rebuildAs` forces a fresh build with that
 * number beside the active one (`projections rebuild`): it replaces the active build once caught up.
 */
export const planBuild = (projection: Projection, active: number | undefined, rebuildAs?: number): BuildPlan => {
  if (rebuildAs !== undefined && active !== rebuildAs) {
    return active === undefined
      ? { kind: 'first', build: rebuildAs }
      : { kind: 'replace', build: rebuildAs, replacing: active };
  }
  if (active === undefined) return { kind: 'first', build: firstBuildOf(projection.version) };
  const activeCode = codeVersionOf(active);
  if (activeCode === projection.version) return { kind: 'follow', build: active };
  if (activeCode < projection.version) {
    return { kind: 'replace', build: firstBuildOf(projection.version), replacing: active };
  }
  return { kind: 'stand-by', newer: active };
};

/**
 * The build a fresh copy of `projection` should get: the next generation of the active build when
 * that is of this code version, else this code version's first build.
 */
export const nextBuild = (projection: Projection, active: number | undefined): number =>
  active !== undefined && codeVersionOf(active) === projection.version ? active + 1 : firstBuildOf(projection.version);
