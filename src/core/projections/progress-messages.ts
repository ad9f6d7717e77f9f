import { formatPosition, parsePosition } from './checkpoint.js';

/**
 * What a projection announces on its progress channel: a version's checkpoint advanced (after each
 * commit), or readers switched to another version (after a rebuild). Waiters for a position
 * (`consistentWith`) wake on these instead of polling. The text form is small and greppable.
 */
export type ProgressMessage =
  | { readonly kind: 'checkpoint'; readonly version: number; readonly position: bigint }
  | { readonly kind: 'active'; readonly version: number };

export const encodeProgress = (message: ProgressMessage): string =>
  message.kind === 'checkpoint'
    ? `checkpoint ${message.version} ${formatPosition(message.position)}`
    : `active ${message.version}`;

/** Undefined for anything malformed: a stray publish on our channel must not break the listeners. */
export const decodeProgress = (text: string): ProgressMessage | undefined => {
  const [kind, versionText, positionText, ...rest] = text.split(' ');
  const version = Number(versionText);
  if (rest.length > 0 || !Number.isSafeInteger(version) || version < 1) return undefined;
  try {
    if (kind === 'checkpoint' && positionText !== undefined) {
      return { kind, version, position: parsePosition(positionText) };
    }
  } catch {
    return undefined;
  }
  if (kind === 'active' && positionText === undefined) return { kind, version };
  return undefined;
};
