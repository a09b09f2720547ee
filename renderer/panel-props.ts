/**
 * What the cashier's screen and its action panels share: the props every panel gets and what a panel reports back.
 * Its own module so that panels, the panel registry and `Cashier.tsx` import it without importing one another.
 */
import type { EarnQuote } from '../sync/loyalty/earn.ts';
import type { Program } from '../sync/loyalty/program.ts';
import type { MemberId } from '../sync/loyalty/units.ts';
import type { OpRow } from '../sync/till/db.ts';
import type { TillEngine } from '../sync/till/engine.ts';
import type { RunningTill } from '../sync/till/till.ts';
import type { MemberView } from '../sync/till/view.ts';

export type Tone = 'ok' | 'warn' | 'error';
export interface Notice {
  tone: Tone;
  text: string;
  /** For a burn: how it was decided (shown, and read by the browser tests). */
  decision?: 'online' | 'offline' | 'refused';
}

/** Asks a panel to focus its first field (or a named one) again: `tick` changes on every request. */
export interface FocusRequest {
  tick: number;
  target: 'first' | 'points';
}

/** What every action panel reports back. */
export interface ActionReport {
  notice: Notice;
  /** The op to print, with the member after it (and, for a conversion, when its voucher stops being valid). */
  printed?: { op: OpRow; view: MemberView; quote?: EarnQuote; voucherValidUntil?: number };
  /** The member to show from now on (after an enrolment). */
  memberId?: MemberId;
}

/** The props the cashier's screen hands every panel; a panel reads the ones it needs. */
export interface PanelProps {
  till: RunningTill;
  engine: TillEngine;
  program: Program | undefined;
  /** The member being served, if any. */
  member: MemberView | undefined;
  /** The till's clock (ticking). */
  now: number;
  /** Whether this window reaches the ledger now (a voucher needs it). */
  online: boolean;
  focus: FocusRequest;
  onReport: (r: ActionReport) => void;
}

/** The props of a panel that serves a member: the registry shows it only once the program and a member are there. */
export type ServingProps = PanelProps & { program: Program; member: MemberView };
