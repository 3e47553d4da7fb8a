import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A TCP relay to a server, which the test can cut (refusing and resetting connections) and mend. */
export class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<Relay> {
    const relay = new Relay(await freePort(), target);
    await relay.up();
    return relay;
  }

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
  }

  /** Ends every connection through it (as a server restart or the network would), still accepting new ones. */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async down(): Promise<void> {
    const server = this.server;
    this.cut();
    if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  }
}

