/**
 * `npm run bench:portal`: the members' page under the closing-day peak. 500 members at once (default; `--members N`)
 * each open their page, accept the terms and see the answer (three requests, one an op through the ledger's intake),
 * against the raw rate of a static page from the same portal in the same run (as many requests, all at once). Prints
 * one JSON line: pages/s and p99 of both and their ratios, the answers the ledger recorded, and the members who failed,
 * by the step that failed (`open`, `answer`, `page`) and its HTTP status (a 503 is the ledger unreachable or busy).
 */
import { startPortalRig } from '../support/portal.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isInteger(v) && v > 0 ? v : fallback;
};

const p99 = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0;
};

async function timed<T>(fn: () => Promise<T>, into: number[]): Promise<T> {
  const t = performance.now();
  const r = await fn();
  into.push(performance.now() - t);
  return r;
}

async function main(): Promise<void> {
  const members = arg('members', 500);
  const wide = { ratePerSec: 100_000, burst: 100_000 };
  const rig = await startPortalRig('sqlite', { members, limits: { perLink: wide, perAddress: wide } });
  try {
    // The yardstick: the same number of requests for a static page, all at once.
    const staticMs: number[] = [];
    const s0 = performance.now();
    await Promise.all(
      Array.from({ length: members * 3 }, () =>
        timed(async () => (await fetch(`${rig.portal.url}/static`)).text(), staticMs),
      ),
    );
    const staticSecs = (performance.now() - s0) / 1000;

    const pageMs: number[] = [];
    // Failures by step and HTTP status: a member whose page did not open answers nothing, and is counted once.
    const failures = {
      open: new Map<number, number>(),
      answer: new Map<number, number>(),
      page: new Map<number, number>(),
    };
    const fail = (step: keyof typeof failures, status: number) =>
      failures[step].set(status, (failures[step].get(status) ?? 0) + 1);
    const p0 = performance.now();
    await Promise.all(
      Array.from({ length: members }, async (_, i) => {
        const url = rig.link(i + 1);
        const open = await timed(() => fetch(url), pageMs);
        const html = await open.text();
        const form = /<form method="post" action="([^"]+\/terms)">(.*?)<\/form>/.exec(html);
        if (open.status !== 200 || !form) {
          fail('open', open.status);
          return;
        }
        const cookie = open.headers.get('set-cookie')?.split(';')[0] ?? '';
        const fields = Object.fromEntries(
          [...(form[2] ?? '').matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [
            m[1] ?? '',
            m[2] ?? '',
          ]),
        );
        const post = await timed(
          () =>
            fetch(new URL(form[1] ?? '/', url), {
              method: 'POST',
              redirect: 'manual',
              headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
              body: new URLSearchParams(fields).toString(),
            }),
          pageMs,
        );
        await post.text();
        if (post.status !== 303) {
          fail('answer', post.status);
          return;
        }
        const done = await timed(
          () => fetch(new URL(post.headers.get('location') ?? '/', url), { headers: { cookie } }),
          pageMs,
        );
        if (!(await done.text()).includes('acceptance of the new terms is recorded')) fail('page', done.status);
      }),
    );
    const pageSecs = (performance.now() - p0) / 1000;
    const accepted = await rig.fresh.store
      .kysely()
      .selectFrom('members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('terms_answer', '=', 'accepted')
      .executeTakeFirst();
    const pagesPerSec = pageMs.length / pageSecs;
    const staticPerSec = staticMs.length / staticSecs;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'portal',
        members,
        requests: pageMs.length,
        pagesPerSec: Math.round(pagesPerSec),
        p99Ms: Math.round(p99(pageMs)),
        staticPagesPerSec: Math.round(staticPerSec),
        staticP99Ms: Math.round(p99(staticMs)),
        ratio: Number((pagesPerSec / staticPerSec).toFixed(2)),
        p99Ratio: Number((p99(pageMs) / p99(staticMs)).toFixed(2)),
        answersRecorded: Number(accepted?.n ?? 0),
        failed: [...Object.values(failures)].reduce((n, m) => n + [...m.values()].reduce((a, b) => a + b, 0), 0),
        failedByStatus: Object.fromEntries(Object.entries(failures).map(([step, m]) => [step, Object.fromEntries(m)])),
      })}\n`,
    );
  } finally {
    await rig.close();
  }
}

await main();
