/** The cashier's keys, tabs and panel body all come from the one panel registry. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { messages } from '../../sync/loyalty/i18n/messages.ts';
import type { Program } from '../../sync/loyalty/program.ts';
import type { Card, MemberId, Points } from '../../sync/loyalty/units.ts';
import type { TillEngine } from '../../sync/till/engine.ts';
import type { RunningTill } from '../../sync/till/till.ts';
import type { MemberView } from '../../sync/till/view.ts';
import type { PanelProps } from '../../renderer/panel-props.ts';
import { PANELS, PanelBody, PanelTabs, panelKeys, panelShortcuts, tabsFor } from '../../renderer/panels.tsx';
import type { PanelId } from '../../renderer/panels.tsx';
import { testProgram } from '../sync/till/support/program.ts';

const en = messages('en-GB');

const NOW = Date.UTC(2025, 2, 10, 9, 0, 0);
const running = testProgram();
const closing: Program = testProgram({
  version: 2,
  closing: {
    earnUntil: NOW + 86_400_000,
    burnDeadline: Date.UTC(2025, 3, 1),
    termsVersion: 'v2',
    conversionPct: 120,
    voucherValidDays: 30,
  },
});

const member: MemberView = {
  memberId: '11111111-1111-4111-8111-000000000001' as MemberId,
  card: '1000-0001' as Card,
  name: 'Ada',
  confirmed: 300 as Points,
  pending: 0 as Points,
  displayed: 300 as Points,
  pendingOps: 0,
  lifetimePoints: 300 as Points,
  lifetimeEstimate: 300 as Points,
  welcomeGiven: true,
  ledgerSeq: 1,
  tier: null,
  terms: null,
  termsToAnswer: false,
  termsRefused: false,
};

/** Props for the prompts only: a panel that would use the till is never rendered with these. */
const props = (over: Partial<PanelProps> = {}): PanelProps => ({
  till: {} as RunningTill,
  engine: {} as TillEngine,
  program: running,
  member: undefined,
  now: NOW,
  online: true,
  focus: { tick: 0, target: 'first' },
  onReport: () => undefined,
  ...over,
});

const tabs = (program: Program | undefined): string =>
  renderToStaticMarkup(createElement(PanelTabs, { program, current: 'rewards', onOpen: () => undefined }));

describe('the cashier panel registry', () => {
  it('gives every panel its own id and every key one panel', () => {
    const ids = PANELS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const keys = PANELS.flatMap((p) => [p.key, ...(p.moreKeys ?? []).map((k) => k.key)]);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...panelKeys(PANELS).keys()].sort()).toEqual([...keys].sort());
    expectTypeOf<PanelId>().toEqualTypeOf<
      'card' | 'basket' | 'rewards' | 'void' | 'enrol' | 'giftVoucher' | 'terms' | 'convert'
    >();
  });

  it('maps each key to its panel and the field it focuses', () => {
    const keys = panelKeys(PANELS);
    for (const p of PANELS) expect(keys.get(p.key)).toEqual([p.id, 'first']);
    expect(keys.get('F5')).toEqual(['rewards', 'points']);
    const [first, second] = PANELS;
    expect(() => panelKeys([first, { ...second, key: first.key }])).toThrow(/key F2/);
  });

  it('lists the keys in the footer in key order, as the cashier has always read them', () => {
    expect(panelShortcuts(PANELS)).toEqual([
      ['F1', 'Take a gift voucher'],
      ['F2', 'Card'],
      ['F3', 'Basket'],
      ['F4', 'Rewards'],
      ['F5', 'Pay with points'],
      ['F6', 'Void or refund'],
      ['F7', 'New terms'],
      ['F8', 'Enrol'],
      ['F9', 'Convert to voucher'],
    ]);
  });

  it('renders every labelled panel as a tab with its key, the closing ones only while the program closes', () => {
    const html = tabs(closing);
    const labelled = PANELS.filter((p) => p.label !== undefined);
    expect(tabsFor(closing, PANELS)).toEqual(labelled);
    for (const p of labelled) expect(html).toContain(`>${en.t(p.label ?? 'panels.card')} <kbd>${p.key}</kbd></button>`);
    expect(html.match(/<button/g)).toHaveLength(labelled.length);
    expect(html).toContain('<button type="button" aria-pressed="true">Rewards <kbd>F4</kbd></button>');

    const open = tabs(running);
    const shown = labelled.filter((p) => !p.closingOnly);
    expect(tabsFor(running, PANELS)).toEqual(shown);
    expect(shown.length).toBeLessThan(labelled.length);
    for (const p of labelled)
      if (p.closingOnly) expect(open).not.toContain(`<kbd>${p.key}</kbd>`);
      else expect(open).toContain(`>${en.t(p.label ?? 'panels.card')} <kbd>${p.key}</kbd></button>`);
    expect(tabs(undefined)).toBe(open);
  });

  it('keeps the tabs in their order', () => {
    expect(tabsFor(closing, PANELS).map((p) => p.id)).toEqual([
      'basket',
      'rewards',
      'void',
      'enrol',
      'giftVoucher',
      'terms',
      'convert',
    ]);
  });

  it('asks for the program, then a member, before a panel that serves a member', () => {
    const body = (id: PanelId, over: Partial<PanelProps>) =>
      renderToStaticMarkup(createElement(PanelBody, { id, ...props(over) }));
    for (const p of PANELS.filter((e) => e.needs === 'member')) {
      expect(body(p.id, { program: undefined, member })).toBe(
        '<p class="placeholder">The loyalty program arrives with the first sync.</p>',
      );
      expect(body(p.id, {})).toMatch(/^<p class="placeholder">Scan or type a member card first \(<kbd>F2<\/kbd>\) to /);
    }
    expect(body('basket', {})).toContain('to earn points.');
    expect(body('card', {})).toContain('Scan a member card, or <kbd>F8</kbd> to enrol a new member.');
    expect(body('card', { member })).toContain('Serving Ada.');
  });
});
