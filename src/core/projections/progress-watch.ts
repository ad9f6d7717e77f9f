import { progressChannel } from '../pubsub/channels.js';
import type { StopListening, SubscriberHub } from '../pubsub/subscriber-hub.js';
import type { RedisClient } from '../redis/client.js';
import { readActiveVersion } from './active-version.js';
import { readCheckpoint } from './checkpoint.js';
import { type KeySpace, keySpace } from './keys.js';
import { decodeProgress } from './progress-messages.js';

interface Waiter {
  readonly position: bigint;
  readonly onPassed: (space: KeySpace) => void;
}

/**
 * What this process knows of one projection's progress: the active version and, per version, the
 * highest checkpoint seen. It is kept live by the projection's progress channel: subscribed first,
 * then read from Redis, so a commit between the two is seen one way or the other (no lost
 * wake-up). Every value only grows, so a message and a read arriving in either order give the same
 * answer; that holds only while the subscriber connection lasts, which is why the waiter drops
 * every watch when it is lost (a Redis that comes back may have lost its last writes).
 */
export class ProgressWatch {
  readonly #redis: RedisClient;
  /** Failed background re-reads; waiters then rely on the next message or their timeout. */
  readonly #onError: (error: unknown) => void;
  readonly #waiters = new Set<Waiter>();
  readonly #checkpoints = new Map<number, bigint>();
  #activeVersion: number | undefined;
  /** Counts 'active' messages, so a read that started before a switch does not undo it. */
  #switches = 0;
  #reads: Promise<void> = Promise.resolve();
  #stopListening: StopListening | undefined;

  private constructor(
    redis: RedisClient,
    readonly name: string,
    onError: (error: unknown) => void,
  ) {
    this.#redis = redis;
    this.#onError = onError;
  }

  /** Subscribes to the projection's progress, then reads where it stands. */
  static async open(
    redis: RedisClient,
    hub: SubscriberHub,
    name: string,
    onError: (error: unknown) => void,
  ): Promise<ProgressWatch> {
    const watch = new ProgressWatch(redis, name, onError);
    watch.#stopListening = await hub.listen(progressChannel(name), { message: (text) => watch.#hear(text) });
    try {
      await watch.refresh();
    } catch (error) {
      await watch.close();
      throw error;
    }
    return watch;
  }

  /**
   * Calls `onPassed` once the active version has applied `position`: at once (synchronously) if
   * it is known to have, else on the message that says so. Returns a function that cancels.
   */
  whenPassed(position: bigint, onPassed: (space: KeySpace) => void): () => void {
    const waiter = { position, onPassed };
    this.#waiters.add(waiter);
    this.#settle();
    return () => this.#waiters.delete(waiter);
  }

  /** The key space of the version readers should read now, if one is active. */
  activeSpace(): KeySpace | undefined {
    const version = this.#activeVersion;
    return version === undefined ? undefined : keySpace({ name: this.name, version });
  }

  /** Where it stands, for messages: `account-summary v2 at 1234`. */
  describe(): string {
    const version = this.#activeVersion;
    if (version === undefined) return `${this.name} (no active version)`;
    return `${this.name} v${version} at ${this.#checkpoints.get(version) ?? 'nothing applied'}`;
  }

  /** Reads the active version and its checkpoint from Redis. Reads run one after another. */
  refresh(): Promise<void> {
    const read = this.#reads.then(() => this.#read());
    this.#reads = read.catch(() => undefined);
    return read;
  }

  async close(): Promise<void> {
    this.#waiters.clear();
    await this.#stopListening?.();
  }

  async #read(): Promise<void> {
    const switches = this.#switches;
    const version = await readActiveVersion(this.#redis, this.name);
    if (switches === this.#switches) this.#activeVersion = version;
    const active = this.#activeVersion;
    if (active === undefined) return;
    const checkpoint = await readCheckpoint(this.#redis, { name: this.name, version: active });
    if (checkpoint !== undefined) this.#raise(active, checkpoint);
    this.#settle();
  }

  #hear(text: string): void {
    const message = decodeProgress(text);
    if (message === undefined) return;
    if (message.kind === 'checkpoint') {
      this.#raise(message.version, message.position);
    } else {
      this.#switches++;
      this.#activeVersion = message.version;
      // The new version's checkpoint may not have been announced since this watch opened.
      this.refresh().catch(this.#onError);
    }
    this.#settle();
  }

  #raise(version: number, position: bigint): void {
    const known = this.#checkpoints.get(version);
    if (known === undefined || position > known) this.#checkpoints.set(version, position);
  }

  #settle(): void {
    const version = this.#activeVersion;
    const checkpoint = version === undefined ? undefined : this.#checkpoints.get(version);
    if (version === undefined || checkpoint === undefined || this.#waiters.size === 0) return;
    const space = keySpace({ name: this.name, version });
    for (const waiter of this.#waiters) {
      if (waiter.position > checkpoint) continue;
      this.#waiters.delete(waiter);
      waiter.onPassed(space);
    }
  }
}
