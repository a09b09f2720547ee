#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the ledger needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../sync/ledger/cli.ts');
