import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A TCP hop on 127.0.0.1 in front of a server (esdb-local) that can hold back what the server
 * answers, so the server looks frozen to its clients while everything they send still reaches it.
 * Bytes are counted in each direction, which shows a test that a client has called the server.
 */
export interface HoldingProxy {
  readonly port: number;
  /** Bytes clients have sent toward the server so far. */
  bytesToServer(): number;
  /** From now on, what the server sends is held, not delivered. */
  hold(): void;
  /** Delivers what was held, and everything after it. */
  release(): void;
  stop(): Promise<void>;
}

export const startHoldingProxy = async (target: { host: string; port: number }): Promise<HoldingProxy> => {
  let holding = false;
  let toServer = 0;
  const held: { client: Socket; chunk: Buffer }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // Either side gone ends the pair, as a real connection would.
      socket.on('error', () => {});
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      toServer += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (holding) held.push({ client, chunk });
      else client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    bytesToServer: () => toServer,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const { client, chunk } of held.splice(0)) if (!client.destroyed) client.write(chunk);
    },
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
