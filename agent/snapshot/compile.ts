// Validation of the contract outside Fastify (the agent's own check, the cache, tests).
// The collector validates request bodies with the same JSON Schema through Fastify's ajv.
// Validators are compiled on first use: commands that never validate (ea, status) do not pay for it.
import { Compile } from 'typebox/compile';
import { Snapshot, Checkin, PlatformSso } from './schema.ts';

export interface ContractProblem {
  path: string;
  message: string;
}

type Validator = ReturnType<typeof Compile>;
let snapshotCheck: Validator | null = null;
let checkinCheck: Validator | null = null;
let platformSsoCheck: Validator | null = null;

function problems(errors: Iterable<{ instancePath?: string; message?: string }>): ContractProblem[] {
  const out: ContractProblem[] = [];
  for (const e of errors) out.push({ path: e.instancePath || '/', message: e.message ?? 'invalid' });
  return out;
}

export function checkSnapshot(value: unknown): ContractProblem[] {
  snapshotCheck ??= Compile(Snapshot);
  return snapshotCheck.Check(value) ? [] : problems(snapshotCheck.Errors(value));
}

export function checkCheckin(value: unknown): ContractProblem[] {
  checkinCheck ??= Compile(Checkin);
  return checkinCheck.Check(value) ? [] : problems(checkinCheck.Errors(value));
}

/** Whether a value is a platformSso reading as the contract declares it (the agent's cache is checked with it). */
export function isPlatformSso(value: unknown): boolean {
  platformSsoCheck ??= Compile(PlatformSso);
  return platformSsoCheck.Check(value);
}
