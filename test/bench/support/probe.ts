/**
 * A till at the checkout during a benchmark: online authorizations of small burns, one at a time, timed from the
 * till's side (emit to answer). An authorization that gets no answer within its deadline, or is shed, is what a real
 * till would then give offline within floor limits: counted apart, and its op is pushed until applied so that the
 * till's seq stays gap-free for the audit.
 */
import { io, type Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import type { BurnOp } from '../../../sync/loyalty/ops.ts';
import type { MemberId, OpId, Points } from '../../../sync/loyalty/units.ts';
import { PROTOCOL_VERSION, type PushResponse } from '../../../sync/protocol/messages.ts';
import type { BenchTill } from './bench-db.ts';

export interface ProbeStats {
  /** Authorizations answered in time: emit to answer, ms. */
  latenciesMs: number[];
  /**
   * Every authorization, emit to the ledger's acknowledgement of its op, ms: the answer when it came in time, else
   * the ack of the push that finally applied it. Unlike `latenciesMs`, a slow ledger cannot thin this one out.
   */
  ackMs: number[];
  /** Authorizations without an answer in time. */
  late: number;
  /** Authorizations answered OVERLOADED. */
  shed: number;
  lastSeq: number;
}

export class AuthProbe {
  private seq = 0;
  readonly stats: ProbeStats = { latenciesMs: [], ackMs: [], late: 0, shed: 0, lastSeq: 0 };

  private constructor(
    private readonly socket: Socket,
    private readonly till: BenchTill,
    private readonly deadlineMs: number,
  ) {}

  static async connect(url: string, till: BenchTill, deadlineMs = 1500): Promise<AuthProbe> {
    const socket = io(`${url}/till`, {
      auth: { tillId: till.tillId, storeId: till.storeId, token: till.token, protocolVersion: PROTOCOL_VERSION },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return new AuthProbe(socket, till, deadlineMs);
  }

  /** One authorization; records its latency (or lateness) and makes sure its op ends up applied. */
  async once(): Promise<void> {
    const seq = ++this.seq;
    const op: BurnOp = {
      opId: uuidv7() as OpId,
      tillId: this.till.tillId,
      storeId: this.till.storeId,
      seq,
      memberId: this.till.members[seq % this.till.members.length] as MemberId,
      at: Date.now(),
      programVersion: 1,
      kind: 'burn',
      what: { type: 'points', points: 1 as Points },
      points: 1 as Points,
      onOverdraw: 'reject',
    };
    const started = performance.now();
    let answered = false;
    try {
      const res = (await this.socket
        .timeout(this.deadlineMs)
        .emitWithAck('authorize', { ops: [op], sentAt: Date.now(), deadlineMs: this.deadlineMs })) as PushResponse;
      if (res.ok) {
        answered = true;
        this.stats.latenciesMs.push(performance.now() - started);
      } else if (res.error.code === 'OVERLOADED') this.stats.shed++;
      else throw new Error(`authorization refused: ${res.error.code}`);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('authorization refused')) throw err;
      this.stats.late++;
    }
    // Given offline: the op stays in the till's outbox until the ledger has it.
    while (!answered) {
      const res = (await this.socket
        .timeout(30_000)
        .emitWithAck('push', { ops: [op], sentAt: Date.now() })) as PushResponse;
      if (res.ok) answered = true;
      else await new Promise((r) => setTimeout(r, res.error.retryAfterMs ?? 500));
    }
    this.stats.ackMs.push(performance.now() - started);
    this.stats.lastSeq = seq;
  }

  /** Authorizations every `intervalMs` until `done()` says stop. */
  async run(intervalMs: number, done: () => boolean): Promise<void> {
    while (!done()) {
      const t = performance.now();
      await this.once();
      const rest = intervalMs - (performance.now() - t);
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    }
  }

  reset(): void {
    this.stats.latenciesMs = [];
    this.stats.ackMs = [];
    this.stats.late = 0;
    this.stats.shed = 0;
  }

  close(): void {
    this.socket.close();
  }
}
