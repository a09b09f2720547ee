// Property tests replay the same cases in CI. FC_SEED picks another seed (FC_SEED=random for a fresh one each run);
// fast-check prints the seed and path of any failure so that it can be replayed.
import fc from 'fast-check';

const seedEnv = process.env['FC_SEED'];
fc.configureGlobal({ seed: seedEnv === 'random' ? Date.now() : seedEnv ? Number(seedEnv) : 20_261_123 });
