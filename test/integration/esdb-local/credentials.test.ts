import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { AccessDeniedError, EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EsdbLocal, startEsdbLocal } from '../../../src/esdb-local/start.js';
import { collect, temporaryDirectory, uniqueStream } from '../../support/esdb-local.js';

describe('esdb-local started with credentials', () => {
  const dir = temporaryDirectory('esdb-local-credentials-');
  const credentials = { username: 'esgraph', password: 'a1b2c3d4e5f6' };
  let server: EsdbLocal;
  const clients: EventStoreDBClient[] = [];
  const connect = (connectionString: string): EventStoreDBClient => {
    const client = EventStoreDBClient.connectionString(connectionString);
    clients.push(client);
    return client;
  };
  /** The server's own connection string with other credentials in it (or none). */
  const withUser = (user: string | undefined): string =>
    server.connectionString.replace(/^esdb:\/\/[^@]*@/, user === undefined ? 'esdb://' : `esdb://${user}@`);
  const append = (client: EventStoreDBClient, stream: string) =>
    client.appendToStream(stream, jsonEvent({ type: 'Forged', data: { n: 1 } }));

  beforeAll(async () => {
    server = await startEsdbLocal({
      mem: true,
      access: { credentials, certificateFile: join(dir, 'esdb-local.pem') },
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a client with the right credentials, over TLS', async () => {
    expect(server.connectionString).toMatch(/^esdb:\/\/esgraph:a1b2c3d4e5f6@localhost:\d+\?tls=true&tlsCAFile=/);
    const client = connect(server.connectionString);
    const stream = uniqueStream();
    await append(client, stream);
    const events = await collect(client.readStream(stream));
    expect(events.map((event) => event.event?.type)).toEqual(['Forged']);
  });

  it('refuses a client without credentials, with access denied, and appends nothing of it', async () => {
    const stream = uniqueStream();
    const anonymous = connect(withUser(undefined));
    await expect(append(anonymous, stream)).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(collect(anonymous.readStream(stream))).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(collect(anonymous.readAll({ maxCount: 1 }))).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(collect(connect(server.connectionString).readStream(stream))).rejects.toThrow(/not found/i);
  });

  it('refuses a client with a wrong password or user', async () => {
    for (const user of ['esgraph:wrong', 'someone:a1b2c3d4e5f6']) {
      const client = connect(withUser(user));
      await expect(append(client, uniqueStream()), user).rejects.toBeInstanceOf(AccessDeniedError);
      await expect(collect(client.readAll({ maxCount: 1 })), user).rejects.toBeInstanceOf(AccessDeniedError);
    }
  });

  it('refuses a subscription with wrong credentials', async () => {
    const subscription = connect(withUser('esgraph:wrong')).subscribeToAll();
    await expect(
      (async () => {
        for await (const _ of subscription) return 'event';
        return 'ended';
      })(),
    ).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('keeps the client on tls=false out: it cannot even speak to a TLS server', async () => {
    const plain = connect(withUser(undefined).replace(/\?.*$/, '?tls=false'));
    await expect(append(plain, uniqueStream())).rejects.toThrow();
  });
});
