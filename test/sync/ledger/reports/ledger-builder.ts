/** Builds real ledgers for the report tests: a fresh store per case on each backend, and ops applied through it. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { applyGroup } from '../../../../sync/ledger/apply-group.ts';
import { applyHeadOfficeOps, conversionDraft, type HeadOfficeDraft } from '../../../../sync/ledger/head-office.ts';
import { openStore } from '../../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../../sync/ledger/store/types.ts';
import type { Closing } from '../../../../sync/loyalty/closing.ts';
import type { Op, OpOutcome } from '../../../../sync/loyalty/ops.ts';
import type { Program } from '../../../../sync/loyalty/program.ts';
import type { Cents, MemberId, OpId, Points, StoreId, TillId } from '../../../../sync/loyalty/units.ts';
import { program as baseProgram } from '../store/fixtures.ts';

export const DAY = 86_400_000;

/** `/Type /Page` objects of a PDF (not the `/Type /Pages` tree): one per page. */
export const pageCount = (pdf: Buffer): number => (pdf.toString('latin1').match(/\/Type \/Page(?!s)\b/g) ?? []).length;
/**
 * The characters a PDF's embedded fonts can print, read from their ToUnicode maps (inflated): what a reader shows and
 * copies. Standard fonts (Helvetica) have none.
 */
export function pdfMappedText(pdf: Buffer): Set<string> {
  const raw = pdf.toString('latin1');
  const chars = new Set<string>();
  for (const m of raw.matchAll(/stream\r?\n/g)) {
    const start = (m.index ?? 0) + m[0].length;
    const end = raw.indexOf('endstream', start);
    let text: string;
    try {
      text = inflateSync(pdf.subarray(start, end)).toString('latin1');
    } catch {
      continue; // not a deflated stream
    }
    for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      // `<from> <to> [<u1> <u2> …]`: the bracketed values are the characters (UTF-16 hex).
      for (const list of (block[1] ?? '').matchAll(/\[([^\]]*)\]/g))
        for (const hex of (list[1] ?? '').matchAll(/<([0-9a-fA-F]+)>/g)) {
          const units = (hex[1] ?? '').match(/.{4}/g) ?? [];
          chars.add(String.fromCharCode(...units.map((u) => parseInt(u, 16))));
        }
    }
  }
  return chars;
}

/** 1 January 2025, 00:00 UTC. */
export const T0 = Date.UTC(2025, 0, 1);
export const STORE = 'store-r' as StoreId;
export const TILL = 'till-r' as TillId;

export interface Fresh {
  store: LedgerStore;
  /** Reopens the same database (for the CLI, which opens its own). */
  dataDir: string;
  databaseUrl?: string;
  dispose(): Promise<void>;
}

/** A fresh store: a new SQLite folder, or a new schema on DATABASE_URL. `now` is the store's clock. */
export async function freshStore(backend: 'sqlite' | 'postgres', now: () => number): Promise<Fresh> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ledger-reports-'));
  if (backend === 'sqlite') {
    const store = await openStore({ dataDir, now });
    return {
      store,
      dataDir,
      async dispose() {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is not set');
  const schema = `ledger_reports_${process.pid}_${randomBytes(5).toString('hex')}`;
  const store = await openStore({ databaseUrl: url, schema, now });
  return {
    store,
    dataDir,
    async dispose() {
      await store.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await c.end();
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The fixtures' program (GBP, 50p per 100 points) with points expiring after a month and a closing far ahead whose
 * conversion is open from T0, so earns, burns and conversions all work on the test's clock. */
export function reportProgram(version = 1, closing: Partial<Closing> = {}): Program {
  return {
    ...baseProgram(version),
    expiry: { kind: 'months', months: 1 },
    closing: {
      earnUntil: Date.UTC(2100, 0, 1),
      burnDeadline: Date.UTC(2100, 6, 1),
      conversionFrom: T0,
      conversionPct: 120,
      voucherValidDays: 365,
      termsVersion: 'terms-2',
      ...closing,
    },
  };
}

/** A till of store-r, with its own gap-free sequence, applying ops through `applyGroup` as the intake does. */
export class TestTill {
  private seq = 0;
  constructor(
    private readonly store: LedgerStore,
    private readonly programVersion = 1,
  ) {}

  static async add(store: LedgerStore, programVersion = 1): Promise<TestTill> {
    if (!(await store.getStore(STORE))) await store.addStore({ storeId: STORE, name: 'Reports' });
    await store.addTill({ tillId: TILL, storeId: STORE, tokenHash: 'unused' });
    return new TestTill(store, programVersion);
  }

  private common(memberId: MemberId, at: number) {
    return {
      opId: uuidv7() as OpId,
      tillId: TILL,
      storeId: STORE,
      seq: ++this.seq,
      memberId,
      at,
      programVersion: this.programVersion,
    };
  }

  async apply(op: Op, now: number): Promise<{ op: Op; outcome: OpOutcome }> {
    const outcome = await this.store.transaction(async (tx) => {
      const g = await applyGroup(tx, [{ tillId: TILL, storeId: STORE, ops: [op], sentAt: now, receivedAt: now }], {
        now,
        clockToleranceMs: () => 60_000,
      });
      return g.outcomes[0]?.results[0]?.outcome;
    });
    if (!outcome) throw new Error('no outcome');
    return { op, outcome };
  }

  earn(memberId: MemberId, amountCents: number, now: number) {
    return this.apply(
      {
        ...this.common(memberId, now),
        kind: 'earn',
        lines: [{ amountCents: amountCents as Cents, category: 'general' }],
        quotedPoints: 0 as Points,
      },
      now,
    );
  }

  burn(memberId: MemberId, points: number, now: number) {
    return this.apply(
      {
        ...this.common(memberId, now),
        kind: 'burn',
        what: { type: 'points', points: points as Points },
        points: points as Points,
        onOverdraw: 'conflict',
      },
      now,
    );
  }

  void(target: Op, now: number) {
    return this.apply(
      { ...this.common(target.memberId, now), kind: 'void', targetOpId: target.opId, reason: 'mistake' },
      now,
    );
  }

  writeOff(memberId: MemberId, conflictId: string, now: number) {
    return this.apply(
      {
        ...this.common(memberId, now),
        kind: 'resolve',
        conflictId,
        action: 'write-off',
        reason: 'customer kept the reward',
        manager: 'Sam',
      },
      now,
    );
  }

  terms(memberId: MemberId, answer: 'accepted' | 'refused', now: number, termsVersion = 'terms-2') {
    return this.apply({ ...this.common(memberId, now), kind: 'terms', termsVersion, answer }, now);
  }
}

export const headOffice = (store: LedgerStore, drafts: HeadOfficeDraft[], now: number) =>
  applyHeadOfficeOps(store, drafts, now);

/** Converts the member's whole balance (when positive) through head office. */
export async function convertAll(store: LedgerStore, memberId: MemberId, now: number) {
  const m = await store.getMember(memberId);
  const program = await store.latestProgram();
  if (!m || !program || m.balance <= 0) return undefined;
  return (await applyHeadOfficeOps(store, [conversionDraft(program, memberId, m.balance)], now))[0];
}
