/**
 * The cashier's panels, one entry each: its function key, its tab, what it needs and how it renders. The keyboard
 * keys, the tabs and the panel body of `Cashier.tsx` all come from `PANELS`; adding a panel is writing it and adding
 * its entry here. Texts are catalogue keys (sync/loyalty/i18n/), worded in the till's locale where they are shown.
 */
import { Fragment } from 'react';
import type { ReactNode } from 'react';
import { DEFAULT_LOCALE } from '../sync/loyalty/i18n/locale.ts';
import { messages, type MessageKey, type Messages } from '../sync/loyalty/i18n/messages.ts';
import type { Program } from '../sync/loyalty/program.ts';
import { BasketPanel } from './BasketPanel.tsx';
import { ConvertPanel } from './ConvertPanel.tsx';
import { EnrolPanel } from './EnrolPanel.tsx';
import { GiftVoucherPanel } from './GiftVoucherPanel.tsx';
import { Rich, useMessages } from './i18n.tsx';
import type { FocusRequest, PanelProps, ServingProps } from './panel-props.ts';
import { RefundPanel } from './RefundPanel.tsx';
import { RewardsPanel } from './RewardsPanel.tsx';
import { TermsPanel } from './TermsPanel.tsx';
import { VoidPanel } from './VoidPanel.tsx';

/** A key opening a panel, and its line in the footer of shortcuts. */
export interface PanelKey {
  key: string;
  shortcut: MessageKey;
  /** The field the panel focuses when opened by this key. */
  target: FocusRequest['target'];
}

export interface PanelEntry<Id extends string = string> {
  id: Id;
  /** The function key that opens it, shown on its tab. */
  key: string;
  /** Its line in the footer of shortcuts. */
  shortcut: MessageKey;
  /** Its tab's text; a panel without one has no tab (the card field, opened by its key alone). */
  label?: MessageKey;
  /** More keys opening it on another field (F5: the rewards panel on its points field). */
  moreKeys?: readonly PanelKey[];
  /** Only while the program closes: its tab is hidden otherwise (its key still opens it). */
  closingOnly: boolean;
  /** What must be there before the panel itself shows: a member (and the program), or nothing. */
  needs: 'nothing' | 'member';
  /** The panel's body, or the prompt for what it still needs. */
  body: (p: PanelProps) => ReactNode;
}

type Common<Id extends string> = Omit<PanelEntry<Id>, 'needs' | 'body' | 'closingOnly'> & { closingOnly?: boolean };

/** A panel that needs nothing more than the till. */
function panel<const Id extends string>(def: Common<Id> & { render: (p: PanelProps) => ReactNode }): PanelEntry<Id> {
  const { render, closingOnly = false, ...rest } = def;
  return { ...rest, closingOnly, needs: 'nothing', body: render };
}

/** A panel that serves a member: until the program and a member are there, it says what is missing. */
function servingPanel<const Id extends string>(
  def: Common<Id> & {
    /** What the member is needed for, ending the prompt ("… first (F2) to earn points."). */
    toDo: MessageKey;
    render: (p: ServingProps) => ReactNode;
  },
): PanelEntry<Id> {
  const { render, toDo, closingOnly = false, ...rest } = def;
  return {
    ...rest,
    closingOnly,
    needs: 'member',
    body: ({ program, member, ...p }) => {
      if (!program) return <Placeholder k="panels.noProgram" />;
      if (!member) return <ScanFirst toDo={toDo} />;
      return render({ ...p, program, member });
    },
  };
}

function Placeholder({ k }: { k: MessageKey }) {
  return <p className="placeholder">{useMessages().t(k)}</p>;
}

function ScanFirst({ toDo }: { toDo: MessageKey }) {
  const m = useMessages();
  return (
    <p className="placeholder">
      <Rich k="panels.scanFirst" values={{ toDo: m.t(toDo) }} />
    </p>
  );
}

/** The panels in the order of their tabs (the footer lists the keys in key order). */
export const PANELS = [
  panel({
    id: 'card',
    key: 'F2',
    shortcut: 'panels.card',
    render: ({ member }) => (
      <p className="placeholder">
        {member ? <Rich k="panels.serving" values={{ name: member.name }} /> : <Rich k="panels.scanOrEnrol" />}
      </p>
    ),
  }),
  servingPanel({
    id: 'basket',
    key: 'F3',
    label: 'panels.basket',
    shortcut: 'panels.basket',
    toDo: 'panels.basket.toDo',
    render: (p) => <BasketPanel {...p} />,
  }),
  servingPanel({
    id: 'rewards',
    key: 'F4',
    label: 'panels.rewards',
    shortcut: 'panels.rewards',
    moreKeys: [{ key: 'F5', shortcut: 'panels.payWithPoints', target: 'points' }],
    toDo: 'panels.rewards.toDo',
    render: (p) => <RewardsPanel {...p} />,
  }),
  // F6: void a recent op of this till, or refund a returned sale (this till's own offline, any store's online).
  panel({
    id: 'void',
    key: 'F6',
    label: 'panels.void.tab',
    shortcut: 'panels.void',
    render: (p) => (
      <>
        <VoidPanel {...p} />
        <RefundPanel {...p} />
      </>
    ),
  }),
  panel({
    id: 'enrol',
    key: 'F8',
    label: 'panels.enrol',
    shortcut: 'panels.enrol',
    render: (p) => <EnrolPanel {...p} />,
  }),
  panel({
    id: 'giftVoucher',
    key: 'F1',
    label: 'panels.giftVoucher.tab',
    shortcut: 'panels.giftVoucher',
    render: (p) => <GiftVoucherPanel {...p} />,
  }),
  servingPanel({
    id: 'terms',
    key: 'F7',
    label: 'panels.terms',
    shortcut: 'panels.terms',
    closingOnly: true,
    toDo: 'panels.terms.toDo',
    render: (p) => <TermsPanel {...p} />,
  }),
  servingPanel({
    id: 'convert',
    key: 'F9',
    label: 'panels.convert.tab',
    shortcut: 'panels.convert',
    closingOnly: true,
    toDo: 'panels.convert.toDo',
    render: (p) => <ConvertPanel {...p} />,
  }),
] as const;

export type PanelId = (typeof PANELS)[number]['id'];

/** Every key opening a panel: the panel and the field it focuses. Throws if two panels share a key. */
export function panelKeys<Id extends string>(
  panels: readonly PanelEntry<Id>[],
): Map<string, [Id, FocusRequest['target']]> {
  const keys = new Map<string, [Id, FocusRequest['target']]>();
  const add = (key: string, to: [Id, FocusRequest['target']]) => {
    // Two panels on one key would leave one unreachable: refused at start rather than found by a cashier.
    if (keys.has(key)) throw new Error(`Two cashier panels on the key ${key}`);
    keys.set(key, to);
  };
  for (const p of panels) {
    add(p.key, [p.id, 'first']);
    for (const k of p.moreKeys ?? []) add(k.key, [p.id, k.target]);
  }
  return keys;
}

/** The number of a function key ("F10" → 10), so that the footer lists F2 before F10. */
const keyOrder = (key: string): number => (/^F\d+$/.test(key) ? Number(key.slice(1)) : Infinity);

/** The footer's lines for the panels' keys, in key order, worded by `m`. */
export function panelShortcuts(
  panels: readonly PanelEntry[],
  m: Messages = messages(DEFAULT_LOCALE),
): [string, string][] {
  return panels
    .flatMap((p) => [{ key: p.key, shortcut: p.shortcut }, ...(p.moreKeys ?? [])])
    .sort((a, b) => keyOrder(a.key) - keyOrder(b.key))
    .map((k): [string, string] => [k.key, m.t(k.shortcut)]);
}

/** The panels shown as tabs under `program`: those with a label, the closing ones only while it closes. */
export function tabsFor<Id extends string>(
  program: Program | undefined,
  panels: readonly PanelEntry<Id>[],
): PanelEntry<Id>[] {
  return panels.filter((p) => p.label !== undefined && (!p.closingOnly || Boolean(program?.closing)));
}

/** The tab strip: one button per tab, pressed for the open panel. */
export function PanelTabs(props: { program: Program | undefined; current: string; onOpen: (id: PanelId) => void }) {
  const { program, current, onOpen } = props;
  const m = useMessages();
  return (
    <nav className="panel-tabs" aria-label={m.t('cashier.actions')}>
      {tabsFor(program, PANELS).map((p) => (
        <button key={p.id} type="button" aria-pressed={current === p.id} onClick={() => onOpen(p.id)}>
          {p.label && m.t(p.label)} <kbd>{p.key}</kbd>
        </button>
      ))}
    </nav>
  );
}

/** The open panel's body; keyed by the panel so that switching panels starts the next one afresh. */
export function PanelBody({ id, ...props }: PanelProps & { id: PanelId }) {
  const entry = PANELS.find((p) => p.id === id);
  return <Fragment key={id}>{entry?.body(props)}</Fragment>;
}
