/**
 * `npm run bench:portal`: the members' page under the closing-day peak. 500 members at once (default; `--members N`)
 * each open their page, accept the terms and see the answer (three requests, one an op through the ledger's intake),
 * against the raw rate of a static page from the same portal in the same run. Prints one JSON line; requests the
 * page could not serve (the ledger's answer later than the portal's deadline: 503) are counted by status.
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
    let failed = 0;
    const statuses = new Map<number, number>();
    const openStatuses = new Map<number, number>();
    const p0 = performance.now();
    await Promise.all(
      Array.from({ length: members }, async (_, i) => {
        const url = rig.link(i + 1);
        const open = await timed(() => fetch(url), pageMs);
        const html = await open.text();
        if (open.status !== 200) openStatuses.set(open.status, (openStatuses.get(open.status) ?? 0) + 1);
        const cookie = open.headers.get('set-cookie')?.split(';')[0] ?? '';
        const form = /<form method="post" action="([^"]+\/terms)">(.*?)<\/form>/.exec(html);
        const fields = Object.fromEntries(
          [...(form?.[2] ?? '').matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [
            m[1] ?? '',
            m[2] ?? '',
          ]),
        );
        const post = await timed(
          () =>
            fetch(new URL(form?.[1] ?? '/', url), {
              method: 'POST',
              redirect: 'manual',
              headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
              body: new URLSearchParams(fields).toString(),
            }),
          pageMs,
        );
        if (post.status !== 303) {
          failed++;
          statuses.set(post.status, (statuses.get(post.status) ?? 0) + 1);
        }
        const done = await timed(
          () => fetch(new URL(post.headers.get('location') ?? '/', url), { headers: { cookie } }),
          pageMs,
        );
        if (!(await done.text()).includes('acceptance of the new terms is recorded')) failed++;
      }),
    );
    const pageSecs = (performance.now() - p0) / 1000;
    const accepted = await rig.fresh.store
      .kysely()
      .selectFrom('members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('terms_answer', '=', 'accepted')
      .executeTakeFirst();
    process.stdout.write(
      `${JSON.stringify({
        bench: 'portal',
        members,
        requests: pageMs.length,
        pagesPerSec: Math.round(pageMs.length / pageSecs),
        p99Ms: Math.round(p99(pageMs)),
        staticPagesPerSec: Math.round(staticMs.length / staticSecs),
        staticP99Ms: Math.round(p99(staticMs)),
        answersRecorded: Number(accepted?.n ?? 0),
        failed,
        openStatuses: Object.fromEntries(openStatuses),
        postStatuses: Object.fromEntries(statuses),
      })}\n`,
    );
  } finally {
    await rig.close();
  }
}

await main();
