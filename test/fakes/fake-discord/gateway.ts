/**
 * The fake gateway: Discord's WebSocket protocol (v10, JSON frames) as the discord.js client
 * meets it. HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, per-session sequence numbers,
 * RESUME with replay of what was missed, and Discord's close codes for protocol errors.
 *
 * A session outlives its socket (Discord keeps it for resuming) unless the client closed with
 * 1000/1001, which Discord treats as "this session is over".
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatewayGuildCreateDispatchData, GatewayGuildMembersChunkDispatchData, GatewayHelloData } from 'discord-api-types/v10';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { isRecord } from './wire.js';

export interface GatewaySessionView {
  readonly id: string;
  readonly intents: number;
  /** [shard_id, num_shards]. */
  readonly shard: readonly [number, number];
}

/** What the gateway needs from the rest of the fake to describe the world. */
export interface GatewayHost {
  token(): string;
  readonly heartbeatIntervalMs: number;
  readonly enabledPrivilegedIntents: number;
  ready(session: GatewaySessionView): Record<string, unknown>;
  guildCreates(session: GatewaySessionView): GatewayGuildCreateDispatchData[];
  membersChunk(request: Record<string, unknown>): GatewayGuildMembersChunkDispatchData | undefined;
}

interface Frame {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

interface Session extends GatewaySessionView {
  seq: number;
  /** Sent dispatches kept for RESUME replay, oldest first. */
  log: Frame[];
  socket: WebSocket | undefined;
}

interface SocketState {
  session: Session | undefined;
  closedByServer: boolean;
}

/**
 * Close codes Discord answers an IDENTIFY with when it refuses it, with the reasons it sends.
 * Some have causes the fake cannot otherwise show (a token reset after the client's GET
 * /gateway/bot, a bot that has grown to need sharding), hence refuseNextIdentify.
 */
export const IDENTIFY_REFUSALS = {
  4004: 'Authentication failed.',
  4008: 'You are being rate limited.',
  4010: 'Invalid shard.',
  4011: 'Sharding required.',
  4013: 'Invalid intent(s).',
  4014: 'Disallowed intent(s).',
} as const;

export type IdentifyRefusal = keyof typeof IDENTIFY_REFUSALS;

const LOG_LIMIT = 2000;
const PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15);
const TRACE = ['["gateway-prd-fake",{"micros":0}]'];

export class FakeGateway {
  readonly #host: GatewayHost;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sockets = new Map<WebSocket, SocketState>();
  readonly #sessions = new Map<string, Session>();
  readonly #refusals: IdentifyRefusal[] = [];

  /** Intents of the most recent IDENTIFY. */
  identifiedIntents: number | undefined;
  identifyCount = 0;
  resumeCount = 0;
  heartbeatCount = 0;
  /** Every frame a client sent, in order (heartbeats included). */
  readonly received: Array<{ op: number; d: unknown; at: number }> = [];

  constructor(host: GatewayHost) {
    this.#host = host;
    this.#wss.on('connection', (socket, request) => this.#onConnection(socket, request));
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#wss.emit('connection', ws, request));
  }

  /** Sessions that are connected or could still be resumed. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  get connectedCount(): number {
    let n = 0;
    for (const session of this.#sessions.values()) if (session.socket?.readyState === WebSocket.OPEN) n++;
    return n;
  }

  /**
   * Sends a dispatch to every session whose shard owns `guildId` (DMs: shard 0). `build` may
   * tailor the payload per session (intents) or return undefined to skip it. Disconnected but
   * resumable sessions get it on RESUME. Resolves once every open socket has flushed the frame.
   */
  async dispatch(
    t: string,
    build: (session: GatewaySessionView) => unknown,
    guildId?: string,
  ): Promise<number> {
    const sends: Array<Promise<void>> = [];
    let queued = 0;
    for (const session of this.#sessions.values()) {
      if (!shardOwns(session, guildId)) continue;
      const d = build(session);
      if (d === undefined) continue;
      queued++;
      sends.push(this.#dispatchTo(session, t, d));
    }
    await Promise.all(sends);
    return queued;
  }

  /** Closes every socket like a network drop or a Discord-side restart; sessions stay resumable. */
  disconnect(code = 4000, reason = 'Fake gateway disconnect'): void {
    for (const [socket, state] of this.#sockets) {
      state.closedByServer = true;
      // 1005/1006 cannot be sent in a close frame; they mean "no close frame", so just drop.
      if (code === 1005 || code === 1006) socket.terminate();
      else socket.close(code, reason);
    }
  }

  /** The next IDENTIFY (each call adds one) is refused: the socket closes with `code` and Discord's reason. */
  refuseNextIdentify(code: IdentifyRefusal): void {
    this.#refusals.push(code);
  }

  /** Op 7: Discord asks the client to reconnect and resume. */
  requestReconnect(): void {
    for (const socket of this.#sockets.keys()) void send(socket, { op: 7, d: null, s: null, t: null });
  }

  /** Op 1 from the server: the client must heartbeat immediately. */
  requestHeartbeat(): void {
    for (const socket of this.#sockets.keys()) void send(socket, { op: 1, d: null, s: null, t: null });
  }

  /** Op 9; with `resumable: false` the sessions are forgotten and the client must IDENTIFY again. */
  invalidateSessions(resumable: boolean): void {
    for (const [socket, state] of this.#sockets) {
      if (!state.session) continue;
      if (!resumable) this.#sessions.delete(state.session.id);
      void send(socket, { op: 9, d: resumable, s: null, t: null });
    }
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets.keys()) socket.terminate();
    this.#sockets.clear();
    this.#sessions.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #onConnection(socket: WebSocket, request: IncomingMessage): void {
    const state: SocketState = { session: undefined, closedByServer: false };
    this.#sockets.set(socket, state);
    socket.on('close', (code) => this.#onClose(socket, state, code));
    socket.on('error', () => socket.terminate());
    socket.on('message', (data, isBinary) => this.#onMessage(socket, state, data, isBinary));

    const query = new URL(request.url ?? '/', 'ws://fake').searchParams;
    if (query.get('v') !== '10') {
      this.#closeWith(socket, state, 4012, 'Invalid API version.');
      return;
    }
    if ((query.get('encoding') ?? 'json') !== 'json') {
      // The fake only speaks JSON; etf clients would misread every frame.
      this.#closeWith(socket, state, 4002, 'Error while decoding payload.');
      return;
    }
    const hello = { heartbeat_interval: this.#host.heartbeatIntervalMs } satisfies GatewayHelloData;
    void send(socket, { op: 10, d: { ...hello, _trace: TRACE }, s: null, t: null });
  }

  #onClose(socket: WebSocket, state: SocketState, code: number): void {
    this.#sockets.delete(socket);
    const session = state.session;
    if (!session || session.socket !== socket) return;
    session.socket = undefined;
    // A client closing 1000/1001 ends its session (Discord will not accept a RESUME for it).
    if (!state.closedByServer && (code === 1000 || code === 1001)) this.#sessions.delete(session.id);
  }

  #closeWith(socket: WebSocket, state: SocketState, code: number, reason: string): void {
    state.closedByServer = true;
    if (state.session && state.session.socket === socket) {
      // Protocol errors end the session, as they do on Discord.
      this.#sessions.delete(state.session.id);
    }
    socket.close(code, reason);
  }

  #onMessage(socket: WebSocket, state: SocketState, data: RawData, isBinary: boolean): void {
    let frame: unknown;
    try {
      if (isBinary) throw new Error('binary frames need etf or compression, which the fake does not speak');
      frame = JSON.parse(rawToString(data));
    } catch {
      this.#closeWith(socket, state, 4002, 'Error while decoding payload.');
      return;
    }
    if (!isRecord(frame) || typeof frame['op'] !== 'number') {
      this.#closeWith(socket, state, 4002, 'Error while decoding payload.');
      return;
    }
    const op = frame['op'];
    const d = frame['d'];
    this.received.push({ op, d, at: performance.now() });

    switch (op) {
      case 1: // Heartbeat (also the answer to our op 1): always acknowledged.
        this.heartbeatCount++;
        void send(socket, { op: 11, d: null, s: null, t: null });
        return;
      case 2:
        this.#identify(socket, state, d);
        return;
      case 6:
        this.#resume(socket, state, d);
        return;
      case 3: // Presence update
      case 4: // Voice state update
        if (!state.session) this.#closeWith(socket, state, 4003, 'Not authenticated.');
        return;
      case 8:
        if (!state.session) {
          this.#closeWith(socket, state, 4003, 'Not authenticated.');
          return;
        }
        this.#requestMembers(state.session, d);
        return;
      default:
        this.#closeWith(socket, state, 4001, 'Unknown opcode.');
    }
  }

  #identify(socket: WebSocket, state: SocketState, d: unknown): void {
    if (state.session) {
      this.#closeWith(socket, state, 4005, 'Already authenticated.');
      return;
    }
    if (!isRecord(d)) {
      this.#closeWith(socket, state, 4002, 'Error while decoding payload.');
      return;
    }
    const refusal = this.#refusals.shift();
    if (refusal !== undefined) {
      this.#closeWith(socket, state, refusal, IDENTIFY_REFUSALS[refusal]);
      return;
    }
    if (d['token'] !== this.#host.token()) {
      this.#closeWith(socket, state, 4004, 'Authentication failed.');
      return;
    }
    const intents = d['intents'];
    if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0 || intents >= 1 << 26) {
      this.#closeWith(socket, state, 4013, 'Invalid intent(s).');
      return;
    }
    if ((intents & PRIVILEGED_INTENTS & ~this.#host.enabledPrivilegedIntents) !== 0) {
      this.#closeWith(socket, state, 4014, 'Disallowed intent(s).');
      return;
    }
    let shard: [number, number] = [0, 1];
    const requested = d['shard'];
    if (requested !== undefined) {
      const [id, count] = (Array.isArray(requested) ? requested : []) as unknown[];
      if (typeof id !== 'number' || typeof count !== 'number' || count < 1 || id < 0 || id >= count) {
        this.#closeWith(socket, state, 4010, 'Invalid shard.');
        return;
      }
      shard = [id, count];
    }

    const session: Session = {
      id: randomBytes(16).toString('hex'),
      intents,
      shard,
      seq: 0,
      log: [],
      socket,
    };
    state.session = session;
    this.#sessions.set(session.id, session);
    this.identifiedIntents = intents;
    this.identifyCount++;

    const ready = this.#host.ready(session);
    if (requested !== undefined) ready['shard'] = shard;
    void this.#dispatchTo(session, 'READY', ready);
    // The guilds READY listed as unavailable arrive right after, one GUILD_CREATE each.
    for (const guild of this.#host.guildCreates(session)) void this.#dispatchTo(session, 'GUILD_CREATE', guild);
  }

  #resume(socket: WebSocket, state: SocketState, d: unknown): void {
    if (state.session) {
      this.#closeWith(socket, state, 4005, 'Already authenticated.');
      return;
    }
    if (!isRecord(d) || typeof d['session_id'] !== 'string') {
      this.#closeWith(socket, state, 4002, 'Error while decoding payload.');
      return;
    }
    if (d['token'] !== this.#host.token()) {
      this.#closeWith(socket, state, 4004, 'Authentication failed.');
      return;
    }
    const session = this.#sessions.get(d['session_id']);
    const seq = typeof d['seq'] === 'number' ? d['seq'] : 0;
    const oldest = session?.log[0]?.s ?? 1;
    if (!session || seq > session.seq || (seq + 1 < oldest && session.seq > seq)) {
      // Not resumable: the client must start over with IDENTIFY.
      void send(socket, { op: 9, d: false, s: null, t: null });
      return;
    }
    if (session.socket && session.socket !== socket) {
      const previous = this.#sockets.get(session.socket);
      if (previous) previous.closedByServer = true;
      session.socket.terminate();
    }
    session.socket = socket;
    state.session = session;
    this.resumeCount++;
    for (const frame of session.log) if (frame.s !== null && frame.s > seq) void send(socket, frame);
    void this.#dispatchTo(session, 'RESUMED', { _trace: TRACE });
  }

  #requestMembers(session: Session, d: unknown): void {
    if (!isRecord(d)) return;
    const chunk = this.#host.membersChunk(d);
    if (chunk) void this.#dispatchTo(session, 'GUILD_MEMBERS_CHUNK', chunk);
  }

  #dispatchTo(session: Session, t: string, d: unknown): Promise<void> {
    session.seq++;
    const frame: Frame = { op: 0, d, s: session.seq, t };
    session.log.push(frame);
    if (session.log.length > LOG_LIMIT) session.log.shift();
    const socket = session.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.resolve();
    return send(socket, frame);
  }
}

function shardOwns(session: GatewaySessionView, guildId: string | undefined): boolean {
  const [id, count] = session.shard;
  if (guildId === undefined) return id === 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(count)) === id;
}

function send(socket: WebSocket, frame: Frame): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState !== WebSocket.OPEN) {
      resolve();
      return;
    }
    // A send that fails means the socket is going away; RESUME replays from the log.
    socket.send(JSON.stringify(frame), () => resolve());
  });
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
