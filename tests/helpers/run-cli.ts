import { spawn } from 'node:child_process';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one of src/cli's scripts as `npm run` does (tsx with the raw-import hook). */
export function runCli(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['tsx', '--import', './src/cli/register-raw.mjs', script, ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs the commands one after another: parallel CLI processes starve other test files. */
export async function inSequence<T>(runs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = [];
  for (const run of runs) out.push(await run());
  return out;
}
