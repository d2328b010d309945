import { UsageError } from './args.ts';

/** Runs a CLI body: usage errors print the usage, other errors their message; exit code 1/2. */
export async function runCli(
  usage: string,
  body: (argv: string[]) => Promise<void>,
): Promise<void> {
  try {
    await body(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n${usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`error: ${(e as Error).message}\n`);
    if (process.env.GPT2_DEBUG) console.error(e);
    process.exit(1);
  }
}
