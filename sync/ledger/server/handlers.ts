/**
 * The till requests, one handler per event of `ClientToServerEvents` (the map's type makes a new event fail to
 * compile until it is handled here). Each parses its payload as `unknown` and acts only for the socket's own till and
 * store. Pushes, authorizations and voucher requests pass the per-till rate limit first.
 */
import { wireError } from '../../protocol/errors.ts';
import {
  AuthorizeEnvelopeSchema,
  FindSaleRequestSchema,
  HistoryRequestSchema,
  LookupRequestSchema,
  PullRequestSchema,
  PushEnvelopeSchema,
  VoucherCheckRequestSchema,
  VoucherRedeemRequestSchema,
  type OpResult,
  type PushResponse,
  type SaleView,
  type VoucherResponse,
} from '../../protocol/messages.ts';
import { memberOfLetter } from '../member-links.ts';
import { snapshotOf, fullSnapshots } from '../member-snapshots.ts';
import { OverloadedError } from '../intake.ts';
import { checkOwnership, readPush, type ReadPush } from '../push-reading.ts';
import { resultsForVersion } from '../../protocol/upgrade.ts';
import { checkVoucher, redeemVoucherForTill } from '../voucher-requests.ts';
import { WireFailure } from '../wire-failure.ts';
import { helloHandler, incarnationSeq } from './handshake.ts';
import { parse, type HandlerDeps, type TillHandlers, type TillSession } from './requests.ts';

/** Most ops a till database made anew gets back with `history`. */
const HISTORY_MAX = 200;
/** Most sales one receipt reference answers with. */
const FIND_SALE_MAX = 20;

/** The handler of every till request, sharing `deps`. */
export function createTillHandlers(deps: HandlerDeps): TillHandlers {
  const { store, intake, limiter, metrics, now, epoch } = deps;

  const submit = async (req: ReadPush, priority: boolean, till: TillSession): Promise<PushResponse> => {
    const { tillId, storeId, incarnation, baseSeq } = till;
    checkOwnership(req, tillId, storeId);
    const wait = await limiter.take(tillId, priority ? 'authorize' : 'push');
    if (wait > 0) throw new OverloadedError(wait, 'rate');
    const out = await intake.submit(
      {
        tillId,
        storeId,
        ops: req.ops,
        sentAt: req.sentAt,
        receivedAt: now(),
        incarnation,
        baseSeq,
        ...(req.recovered && req.recovered.length > 0 ? { recovered: new Set(req.recovered) } : {}),
        ...(req.unreadable.length > 0 ? { unreadable: req.unreadable } : {}),
      },
      priority,
    );
    if (req.recovered && req.recovered.length > 0) noteRecovery(req.recovered, out.results, till);
    return {
      ok: true,
      results: resultsForVersion(out.results, till.protocolVersion),
      balances: out.balances,
      tillSeq: out.tillSeq,
      serverTime: now(),
      // The manager's screen shows the rush from the ledger's side; two numbers read without I/O.
      load: { queuedOps: intake.depth, shedTotal: metrics.shedTotal },
    };
  };

  /** Ops a till sent back after a restore land in the action log too, so head office sees them there. */
  const noteRecovery = (ids: readonly string[], results: readonly OpResult[], till: TillSession): void => {
    const { tillId, storeId, incarnation, log } = till;
    const sent = new Set(ids);
    const back = results.filter((r) => sent.has(r.opId) && !r.duplicate);
    if (back.length === 0) return;
    log.info({ incarnation, ops: back.length, epoch }, 'ops recovered from the till after a restore');
    store.actionLog
      .append({
        actor: 'ledger',
        action: 'till recovery',
        reason: null,
        details: {
          tillId,
          storeId,
          incarnation,
          epoch,
          ops: back.length,
          firstSeq: back[0]?.seq,
          lastSeq: back.at(-1)?.seq,
        },
        at: now(),
      })
      .catch((err: unknown) => log.warn({ err }, 'could not log the recovery'));
  };

  // A customer waits at the till: vouchers share the authorization's rate limit, not the background pushes'.
  const voucherRequest = async (till: TillSession, fn: () => Promise<VoucherResponse>): Promise<VoucherResponse> => {
    const wait = await limiter.take(till.tillId, 'authorize');
    if (wait > 0) throw new OverloadedError(wait, 'rate');
    return fn();
  };
  // The letter a member brought instead of the card names its member as the card would.
  const memberByLetter = async (letter: string) => {
    const id = await memberOfLetter(store, deps.signer, letter, now());
    return id === undefined ? undefined : store.getMember(id);
  };
  const outcomeOf = (res: VoucherResponse): string =>
    res.ok ? (res.duplicate === true ? 'duplicate' : 'ok') : res.error.code;

  return {
    push: (p, till) => submit(readPush(parse(PushEnvelopeSchema, p), till.protocolVersion), false, till),

    authorize: async (p, till) => {
      const req = readPush(parse(AuthorizeEnvelopeSchema, p), till.protocolVersion);
      return submit(req, true, till);
    },

    hello: helloHandler(deps),

    history: async (p, { tillId }) => {
      const req = parse(HistoryRequestSchema, p);
      const ops = await store.tillHistory(tillId, Math.min(req.limit, HISTORY_MAX));
      return {
        ok: true,
        ops: ops.map((o) => ({ op: o.op, outcome: o.outcome, reversedBy: o.reversedBy, appliedAt: o.appliedAt })),
      };
    },

    pull: async (p, till) => {
      const req = parse(PullRequestSchema, p);
      const { storeId } = till;
      // One snapshot: the page, the till's seq and the lots agree, whatever other ledger processes commit meanwhile.
      return intake.exclusive(() =>
        store.readSnapshot(async (view) => {
          const page = await view.pullMembers(storeId, req.cursor, req.limit);
          const tillSeq = await incarnationSeq(view, till);
          const home = await view.getStore(storeId);
          const current = deps.latestProgram();
          return {
            ok: true,
            members: await fullSnapshots(view, page.members, now()),
            cursor: page.cursor,
            more: page.more,
            tillSeq,
            serverTime: now(),
            ...(current && current.version > req.programVersion ? { program: current } : {}),
            ...(home ? { store: { storeId: home.storeId, name: home.name, managerPin: home.managerPin } } : {}),
          };
        }),
      );
    },

    lookup: async (p, till) => {
      const req = parse(LookupRequestSchema, p);
      return intake.exclusive(async () => {
        const member = 'card' in req ? await store.findMemberByCard(req.card) : await memberByLetter(req.letter);
        if (!member) throw new WireFailure(wireError('card' in req ? 'NOT_FOUND' : 'LETTER_UNKNOWN'));
        await store.holdMember(till.storeId, member.memberId);
        const [snapshot = snapshotOf(member)] = await fullSnapshots(store, [member], now());
        return { ok: true, member: snapshot, tillSeq: await incarnationSeq(store, till) };
      });
    },

    // A refund may be made at any till of any store: the sale is looked up across the ledger; its member is held by
    // the asking till's store from then on (as a lookup holds it), so that the till can journal the refund.
    findSale: async (p, till) => {
      const req = parse(FindSaleRequestSchema, p);
      // A customer waits at the counter: the authorization's rate limit, as vouchers.
      const wait = await limiter.take(till.tillId, 'authorize');
      if (wait > 0) throw new OverloadedError(wait, 'rate');
      return intake.exclusive(async () => {
        const found =
          req.by === 'receipt'
            ? await store.sales.byReceipt(req.receiptRef, FIND_SALE_MAX)
            : [await store.sales.byOpId(req.opId)].flatMap((s) => (s ? [s] : []));
        const [first, ...rest] = found.map((s): SaleView => ({
          op: s.op,
          outcome: s.outcome,
          reversedBy: s.reversedBy,
          appliedAt: s.appliedAt,
          storeId: s.storeId,
          refundedCents: s.refunded.cents,
          refundedPoints: s.refunded.points,
        }));
        if (!first) throw new WireFailure(wireError('SALE_NOT_FOUND'));
        const held = [];
        for (const id of new Set(found.map((s) => s.op.memberId))) {
          const member = await store.getMember(id);
          if (!member) continue; // erased since: the sale is shown, the member is not held
          await store.holdMember(till.storeId, id);
          held.push(member);
        }
        const members = await fullSnapshots(store, held, now());
        return { ok: true, sales: [first, ...rest], members, tillSeq: await incarnationSeq(store, till) };
      });
    },

    voucherCheck: (p, till) => {
      const req = parse(VoucherCheckRequestSchema, p);
      return voucherRequest(till, async () => {
        const res = await checkVoucher(store, req);
        metrics.voucherRequests.inc({ kind: 'check', outcome: outcomeOf(res) });
        return res;
      });
    },

    voucherRedeem: (p, till) => {
      const { tillId, storeId, log } = till;
      const req = parse(VoucherRedeemRequestSchema, p);
      return voucherRequest(till, async () => {
        const res = await redeemVoucherForTill(store, { tillId, storeId }, req, now());
        metrics.voucherRequests.inc({ kind: 'redeem', outcome: outcomeOf(res) });
        log.info(
          { voucher: req.code.slice(-4), receiptRef: req.receiptRef, outcome: outcomeOf(res) },
          'voucher redemption',
        );
        return res;
      });
    },
  };
}
