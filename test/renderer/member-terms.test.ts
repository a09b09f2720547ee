/** The member panel while a program closes: the prompt to ask the new terms, then the answer (a refusal stands out). */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { Program } from '../../sync/loyalty/program.ts';
import type { Card, MemberId, Points } from '../../sync/loyalty/units.ts';
import type { MemberView } from '../../sync/till/view.ts';
import { MemberPanel } from '../../renderer/MemberPanel.tsx';
import { testProgram } from '../sync/till/support/program.ts';

const NOW = Date.UTC(2025, 2, 10, 9, 0, 0);
const program: Program = testProgram({
  version: 2,
  closing: {
    earnUntil: NOW + 86_400_000,
    burnDeadline: Date.UTC(2025, 3, 1),
    termsVersion: 'v2',
    conversionPct: 120,
    voucherValidDays: 30,
  },
});

const member = (over: Partial<MemberView> = {}): MemberView => ({
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
  termsToAnswer: true,
  termsRefused: false,
  ...over,
});

const render = (m: MemberView): string =>
  renderToStaticMarkup(createElement(MemberPanel, { member: m, program, now: NOW }));

describe('member panel and the new terms', () => {
  it('prompts the cashier to ask while the terms are unanswered, with the deadline among the messages', () => {
    const html = render(member());
    expect(html).toContain('data-testid="terms-prompt"');
    expect(html).toMatch(/accept the new programme terms \(v2\)\?/);
    expect(html).not.toContain('data-testid="member-terms"');
    expect(html).toContain('Use your points by 31 March 2025.');
  });

  it('shows a refusal, awaiting the ledger until it confirms, and no prompt', () => {
    const refused = member({
      termsToAnswer: false,
      termsRefused: true,
      terms: { version: 'v2', answer: 'refused', at: NOW, confirmed: false },
    });
    const html = render(refused);
    expect(html).not.toContain('terms-prompt');
    expect(html).toContain('data-answer="refused"');
    expect(html).toContain('REFUSED: no conversion into the new programme');
    expect(html).toContain('(awaiting the ledger)');
    const confirmed = render({ ...refused, terms: { version: 'v2', answer: 'refused', at: NOW, confirmed: true } });
    expect(confirmed).not.toContain('awaiting the ledger');
  });

  it('says nothing of terms the program no longer asks for', () => {
    const old = member({ termsToAnswer: true, terms: { version: 'v1', answer: 'accepted', at: NOW, confirmed: true } });
    const html = render(old);
    expect(html).not.toContain('data-testid="member-terms"');
    expect(html).toContain('terms-prompt');
  });
});
