/**
 * The ledger's side of the members' page: `POST /portal/v1/{member,terms,convert}` (sync/protocol/portal.ts), for the
 * portal process only, which authenticates as a till of the portal's store (`ledger portal token`). The member is
 * named by the personal link's token alone (member-links.ts), so no other member is reachable.
 *
 * Answers are ops of the portal's till, applied through the intake like any till's push (the same rules, the same
 * exactly-once record); their till's store says they were given on the page. The ledger numbers them: each ledger
 * process speaks for the portal's till in an incarnation of its own, gap-free, so several processes never share a
 * seq space. A request id is the op id: a form posted twice applies once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { makeVoucherCode, VOUCHER_RANDOM_BYTES, voucherValue, conversionAllowed } from '../../loyalty/closing.ts';
import { tenderValue } from '../../loyalty/burn.ts';
import { rewardsAt } from '../../loyalty/closing.ts';
import type { ConvertOp, Op, TermsOp } from '../../loyalty/ops.ts';
import type { Program } from '../../loyalty/program.ts';
import { localeOf } from '../../loyalty/i18n/locale.ts';
import type { Points, TillId } from '../../loyalty/units.ts';
import { wireError, type ErrorCode } from '../../protocol/errors.ts';
import { describeIssues } from '../../protocol/messages.ts';
import {
  PORTAL_API,
  PORTAL_MAX_BODY_BYTES,
  PortalConvertRequestSchema,
  PortalMemberRequestSchema,
  PortalTermsRequestSchema,
  type PortalMemberView,
  type PortalResponse,
} from '../../protocol/portal.ts';
import type { Intake } from '../intake.ts';
import { OverloadedError } from '../intake.ts';
import type { Logger } from '../log.ts';
import { checkLinkToken, type LinkCheck, type LinkSigner } from '../member-links.ts';
import { PORTAL_STORE } from '../store/interfaces/member-channel.ts';
import type { LedgerStore } from '../store/types.ts';
import { verifyToken } from '../tokens.ts';
import { portalReads } from './portal-reads.ts';

export interface PortalApiDeps {
  store: LedgerStore;
  intake: Intake;
  logger: Logger;
  now: () => number;
  latestProgram: () => Program | undefined;
  signer: () => Promise<LinkSigner>;
}

type Common = 'tillId' | 'storeId' | 'seq' | 'at' | 'programVersion';
type Route = (typeof PORTAL_API)[keyof typeof PORTAL_API];
const ROUTES = new Set<string>(Object.values(PORTAL_API));

/** Whether a request is for this API (its body is then read here, not discarded). */
export const isPortalRequest = (path: string): boolean => ROUTES.has(path);

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly extra: { retryAfterMs?: number; issues?: string[] } = {},
  ) {
    super(code);
  }
}

/** The portal API's request handler. */
export function portalApi(deps: PortalApiDeps): (req: IncomingMessage, res: ServerResponse, path: string) => void {
  const { store, intake, logger } = deps;
  const reads = portalReads(store);
  /** Per portal till: this process's incarnation and its next seq. */
  const lanes = new Map<TillId, { incarnation: string; next: number }>();
  const laneOf = (tillId: TillId) => {
    let lane = lanes.get(tillId);
    if (!lane) {
      lane = { incarnation: `portal-${uuidv7()}`, next: 1 };
      lanes.set(tillId, lane);
    }
    return lane;
  };

  async function authenticate(req: IncomingMessage): Promise<TillId> {
    const m = /^Bearer ([A-Za-z0-9._-]{1,64}):([A-Za-z0-9_-]{20,100})$/.exec(req.headers.authorization ?? '');
    if (!m?.[1] || !m[2]) throw new Refusal(401, 'AUTH_REQUIRED');
    const till = await reads.till(m[1] as TillId);
    if (!till || !verifyToken(m[2], till.tokenHash) || till.revokedAt !== null) throw new Refusal(401, 'AUTH_FAILED');
    if (till.storeId !== PORTAL_STORE) throw new Refusal(403, 'NOT_PORTAL');
    return till.tillId;
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > PORTAL_MAX_BODY_BYTES) throw new Refusal(413, 'MESSAGE_TOO_LARGE');
      chunks.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new Refusal(400, 'BAD_REQUEST', { issues: ['the body is not JSON'] });
    }
  }

  function program(): Program & { closing: NonNullable<Program['closing']> } {
    const p = deps.latestProgram();
    if (!p?.closing) throw new Refusal(404, 'LINK_INVALID');
    return p as Program & { closing: NonNullable<Program['closing']> };
  }

  /** The member a link names, and the link's reference and program version. */
  async function memberOf(link: string): Promise<Extract<LinkCheck, { ok: true }>> {
    const check = await checkLinkToken(reads, await deps.signer(), link, deps.now());
    if (!check.ok) throw new Refusal(404, 'LINK_INVALID');
    return check;
  }

  async function view(link: Extract<LinkCheck, { ok: true }>): Promise<PortalMemberView> {
    const { memberId } = link;
    const p = program();
    const m = await store.getMember(memberId);
    if (!m || m.erased) throw new Refusal(404, 'LINK_INVALID');
    const now = deps.now();
    const usable = Math.max(0, m.balance) as Points;
    const windowIds = new Set((p.closing.burnWindow?.rewards ?? []).map((r) => r.id));
    const terms = p.closing.termsVersion;
    const answered = terms !== undefined && m.terms?.version === terms ? m.terms : null;
    const { via, vouchers } = await reads.answersOf(m);
    // The link names the member's reference of its own version: the current one's, unless a newer closing began.
    const ref = link.programVersion === p.version ? link.ref : await store.memberChannel.refOf(memberId, p.version);
    return {
      programName: p.name,
      locale: localeOf(p),
      currency: p.currency,
      name: m.name,
      ref: ref ?? '',
      balance: m.balance,
      tier: m.tier,
      valueCents: tenderValue(p, usable),
      voucherCents: voucherValue(p, usable),
      conversionPct: p.closing.conversionPct,
      earnUntil: p.closing.earnUntil,
      burnDeadline: p.closing.burnDeadline,
      conversionOpen: conversionAllowed(p, now),
      termsVersion: terms ?? null,
      terms: answered ? { answer: answered.answer, at: answered.at, via: via ?? 'till' } : null,
      rewards: rewardsAt(p, now)
        .filter((r) => r.points > 0)
        .slice(0, 12)
        .map((r) => ({ name: r.name, points: r.points, window: windowIds.has(r.id) })),
      vouchers,
    };
  }

  /** Applies one op of the portal's till through the intake; answers whether it was applied now or before. */
  async function apply(tillId: TillId, draft: Omit<TermsOp, Common> | Omit<ConvertOp, Common>) {
    if (await store.memberChannel.opRecorded(draft.opId)) return { duplicate: true };
    const p = program();
    const lane = laneOf(tillId);
    const now = deps.now();
    const op = {
      ...draft,
      tillId,
      storeId: PORTAL_STORE,
      seq: lane.next++,
      at: now,
      programVersion: p.version,
    } as Op;
    let outcome;
    try {
      outcome = await intake.submit(
        {
          tillId,
          storeId: PORTAL_STORE,
          ops: [op],
          incarnation: lane.incarnation,
          baseSeq: 1,
          sentAt: now,
          receivedAt: now,
        },
        false,
      );
    } catch (err) {
      // Whatever happened to this seq, the next op starts a new incarnation: never a gap that blocks the lane.
      lanes.delete(tillId);
      if (err instanceof OverloadedError) throw new Refusal(503, 'OVERLOADED', { retryAfterMs: err.retryAfterMs });
      throw err;
    }
    const result = outcome.results.find((r) => r.opId === op.opId);
    if (!result) {
      lanes.delete(tillId);
      throw new Error('the portal op has no result');
    }
    if (result.outcome.status === 'rejected') {
      if (result.outcome.code === 'OP_ID_REUSED') return { duplicate: true };
      throw new Refusal(409, result.outcome.code);
    }
    return { duplicate: result.duplicate };
  }

  async function answer(route: Route, body: unknown, tillId: TillId): Promise<PortalResponse> {
    const parse = <T>(schema: z.ZodType<T>): T => {
      const r = schema.safeParse(body);
      if (!r.success) throw new Refusal(400, 'BAD_REQUEST', { issues: describeIssues(r.error) });
      return r.data;
    };
    switch (route) {
      case PORTAL_API.member: {
        const req = parse(PortalMemberRequestSchema);
        return { ok: true, member: await view(await memberOf(req.link)) };
      }
      case PORTAL_API.terms: {
        const req = parse(PortalTermsRequestSchema);
        const link = await memberOf(req.link);
        const { memberId } = link;
        const terms = program().closing.termsVersion;
        if (terms === undefined) throw new Refusal(409, 'UNKNOWN_TERMS');
        const r = await apply(tillId, {
          kind: 'terms',
          opId: req.requestId,
          memberId,
          termsVersion: terms,
          answer: req.answer,
        });
        return { ok: true, member: await view(link), duplicate: r.duplicate };
      }
      case PORTAL_API.convert: {
        const req = parse(PortalConvertRequestSchema);
        const link = await memberOf(req.link);
        const { memberId } = link;
        const m = await store.getMember(memberId);
        const p = program();
        const points = Math.max(0, m?.balance ?? 0);
        const r = await apply(tillId, {
          kind: 'convert',
          opId: req.requestId,
          memberId,
          points: points as Points,
          valueCents: voucherValue(p, points),
          voucherCode: makeVoucherCode(randomBytes(VOUCHER_RANDOM_BYTES)),
        });
        return { ok: true, member: await view(link), duplicate: r.duplicate };
      }
      case PORTAL_API.ref:
        throw new Refusal(404, 'NO_ROUTE');
    }
  }

  return (req, res, path) => {
    const send = (status: number, body: PortalResponse, extra: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        ...extra,
      });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      try {
        if (req.method !== 'POST') throw new Refusal(405, 'NO_ROUTE');
        const tillId = await authenticate(req);
        const body = await readBody(req);
        send(200, await answer(path as Route, body, tillId));
      } catch (err) {
        if (err instanceof Refusal) {
          // A body not read (refused before it) is drained, so that the answer is not lost to a reset.
          req.resume();
          const extra = err.status === 413 ? { connection: 'close' } : {};
          return send(err.status, { ok: false, error: wireError(err.code, err.extra) }, extra);
        }
        logger.error({ err, path }, 'portal request failed');
        req.resume();
        send(500, { ok: false, error: wireError('INTERNAL') });
      }
    })();
  };
}
