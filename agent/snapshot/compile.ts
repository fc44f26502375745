// Validation of the contract outside Fastify (the agent's own check, the cache, tests).
// The collector validates request bodies with the same JSON Schema through Fastify's ajv.
import { Compile } from 'typebox/compile';
import { Snapshot, Checkin } from './schema.ts';

const snapshotCheck = Compile(Snapshot);
const checkinCheck = Compile(Checkin);

export interface ContractProblem {
  path: string;
  message: string;
}

function problems(errors: Iterable<{ instancePath?: string; message?: string }>): ContractProblem[] {
  const out: ContractProblem[] = [];
  for (const e of errors) out.push({ path: e.instancePath || '/', message: e.message ?? 'invalid' });
  return out;
}

export function checkSnapshot(value: unknown): ContractProblem[] {
  return snapshotCheck.Check(value) ? [] : problems(snapshotCheck.Errors(value));
}

export function checkCheckin(value: unknown): ContractProblem[] {
  return checkinCheck.Check(value) ? [] : problems(checkinCheck.Errors(value));
}
