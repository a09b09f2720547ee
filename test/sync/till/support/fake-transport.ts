/**
 * A TillTransport in front of a FakeLedger, with injectable faults: a request lost before the ledger (`drop-request`),
 * an answer lost after the ledger applied it (`drop-answer`), or a request delivered twice (`duplicate`). Every
 * answer goes through JSON and the protocol schemas, as over the wire.
 */
import { BehaviorSubject, Subject } from 'rxjs';
import type { TillId } from '../../../../sync/loyalty/units.ts';
import {
  FindSaleResponseSchema,
  LookupResponseSchema,
  PullResponseSchema,
  PushResponseSchema,
  VoucherResponseSchema,
} from '../../../../sync/protocol/messages.ts';
import type {
  AuthorizeRequest,
  FindSaleRequest,
  ChangesEvent,
  ConfigEvent,
  HelloResponse,
  HistoryResponse,
  PushRequest,
  ShedEvent,
  VoucherCheckRequest,
  VoucherRedeemRequest,
} from '../../../../sync/protocol/messages.ts';
import type { SyncError } from '../../../../sync/till/db.ts';
import { TransportError } from '../../../../sync/till/transport.ts';
import type { TillTransport, TransportSession } from '../../../../sync/till/transport.ts';
import { wireError } from '../../../../sync/protocol/errors.ts';
import type { FakeLedger } from './fake-ledger.ts';

export type Fault = 'ok' | 'drop-request' | 'drop-answer' | 'duplicate';
export type CallKind = 'push' | 'authorize' | 'pull' | 'lookup' | 'findSale' | 'voucherCheck' | 'voucherRedeem';

export class FakeTransport implements TillTransport {
  readonly connectedSubject = new BehaviorSubject<boolean>(false);
  readonly lastErrorSubject = new BehaviorSubject<SyncError | null>(null);
  readonly changes = new Subject<ChangesEvent>();
  readonly config = new Subject<ConfigEvent>();
  readonly shed = new Subject<ShedEvent>();
  readonly connected$ = this.connectedSubject.asObservable();
  readonly lastError$ = this.lastErrorSubject.asObservable();
  readonly changes$ = this.changes.asObservable();
  readonly config$ = this.config.asObservable();
  readonly shed$ = this.shed.asObservable();
  /** Op ids of every push/authorize request, in order. */
  readonly sent: Array<{ kind: CallKind; opIds: string[] }> = [];
  /** Decides the fault for each call; 'ok' by default. */
  fault: (kind: CallKind) => Fault = () => 'ok';
  /** When set, authorize never answers until the returned promise is released by the test. */
  holdAuthorize: Promise<void> | null = null;

  constructor(
    readonly ledger: FakeLedger,
    readonly tillId: TillId,
    opts: { connected?: boolean } = {},
  ) {
    this.connectedSubject.next(opts.connected ?? true);
  }

  /** When false, connect() does not get through (the ledger is unreachable). */
  reachable = true;

  connect(): void {
    if (this.reachable) this.connectedSubject.next(true);
  }
  disconnect(): void {
    this.connectedSubject.next(false);
  }

  push(req: PushRequest) {
    return this.call(
      'push',
      req.ops.map((o) => o.opId),
      () => this.ledger.push(req, this.tillId),
      PushResponseSchema,
    );
  }

  async authorize(req: AuthorizeRequest) {
    if (this.holdAuthorize) await this.holdAuthorize;
    return this.call(
      'authorize',
      req.ops.map((o) => o.opId),
      () => this.ledger.push(req, this.tillId),
      PushResponseSchema,
    );
  }

  pull(req: Parameters<TillTransport['pull']>[0]) {
    return this.call('pull', [], () => this.ledger.pull(req, this.tillId), PullResponseSchema);
  }

  lookup(req: Parameters<TillTransport['lookup']>[0]) {
    return this.call('lookup', [], () => this.ledger.lookup(req, this.tillId), LookupResponseSchema);
  }

  findSale(req: FindSaleRequest) {
    return this.call('findSale', [], () => this.ledger.findSale(req, this.tillId), FindSaleResponseSchema);
  }

  voucherCheck(req: VoucherCheckRequest) {
    return this.call('voucherCheck', [], () => this.ledger.voucherCheck(req), VoucherResponseSchema);
  }

  voucherRedeem(req: VoucherRedeemRequest) {
    return this.call(
      'voucherRedeem',
      [],
      () => this.ledger.voucherRedeem(req, `store/${this.tillId}`),
      VoucherResponseSchema,
    );
  }

  /** The fake ledger speaks protocol 1: no `hello` or `history`, as an old ledger answers them. */
  hello(): Promise<HelloResponse> {
    return this.oldLedger();
  }
  history(): Promise<HistoryResponse> {
    return this.oldLedger();
  }
  /** The handshakes' session, as the till last set it. */
  session: TransportSession | undefined;
  setSession(session: TransportSession): void {
    this.session = session;
  }
  reconnect(): void {
    this.disconnect();
    this.connect();
  }
  private oldLedger<T>(): Promise<T> {
    if (!this.connectedSubject.value) return Promise.reject(new TransportError('OFFLINE', 'not connected'));
    return Promise.resolve({ ok: false, error: wireError('UNKNOWN_EVENT') } as T);
  }

  private call<T>(kind: CallKind, opIds: string[], serve: () => unknown, schema: { parse(x: unknown): T }): Promise<T> {
    if (!this.connectedSubject.value) return Promise.reject(new TransportError('OFFLINE', 'not connected'));
    if (opIds.length > 0) this.sent.push({ kind, opIds });
    const fault = this.fault(kind);
    if (fault === 'drop-request') return Promise.reject(new TransportError('TIMEOUT', 'request lost'));
    let answer = serve();
    if (fault === 'duplicate') answer = serve();
    if (fault === 'drop-answer') return Promise.reject(new TransportError('TIMEOUT', 'answer lost'));
    return Promise.resolve(schema.parse(JSON.parse(JSON.stringify(answer))));
  }
}
