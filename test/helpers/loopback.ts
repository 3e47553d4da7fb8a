import { createServer, type Server, type Socket } from 'node:net';

/** Sockets on 127.0.0.1 that misbehave as a network can; close() releases them all. */
export class Loopback {
  readonly #servers: Server[] = [];
  readonly #sockets: Socket[] = [];

  /** A TCP server that accepts connections and never writes a byte (a stuck endpoint or proxy). */
  async silentServer(): Promise<{ port: number; connections: () => number }> {
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      this.#sockets.push(socket);
    });
    this.#servers.push(server);
    return { port: await listen(server), connections: () => connections };
  }

  /** A port nothing listens on (bound once, then released), so connecting is refused. */
  async closedPort(): Promise<number> {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets.splice(0)) socket.destroy();
    await Promise.all(this.#servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the loopback server has no port');
  return address.port;
}
