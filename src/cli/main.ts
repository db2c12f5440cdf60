#!/usr/bin/env node
/**
 * The `tfjs-checkpoint` command: a thin shell over the public API (see format.ts for the renderings).
 */
import * as path from 'node:path';

import { Command } from 'commander';

import { CheckpointError, CheckpointReader, CheckpointView } from '../index';
import { objectTreeLines } from './format';

/** The example checkpoint shipped with the package, inspected when no path is given. */
export const EXAMPLE_CHECKPOINT = path.resolve(__dirname, '..', '..', 'examples', 'data', 'mlp', 'ckpt-1');

const EXIT_ERROR = 2;

async function inspect(target: string | undefined): Promise<void> {
  const file = target ?? EXAMPLE_CHECKPOINT;
  if (target === undefined) process.stderr.write(`No PATH given: inspecting the bundled example ${file}\n`);
  const reader = await CheckpointReader.open(file);
  try {
    process.stdout.write(reader.debugString());
    const graph = await reader.objectGraph();
    if (graph === null) {
      process.stdout.write('\nNo object graph: a name-based (TF1) checkpoint.\n');
      return;
    }
    const view = CheckpointView.fromObjectGraph(graph);
    process.stdout.write(`\nObject graph (${view.numNodes} nodes):\n${objectTreeLines(reader, view).join('\n')}\n`);
  } finally {
    await reader.close();
  }
}

export function buildProgram(): Command {
  const program = new Command('tfjs-checkpoint')
    .description('Inspect TensorFlow 2 checkpoints without Python.')
    .showHelpAfterError()
    .exitOverride();
  program
    .command('inspect')
    .description('List every tensor (like TensorFlow inspect_checkpoint) and print the object graph as a tree')
    .argument('[path]', 'checkpoint prefix, directory with a `checkpoint` file, or SavedModel directory')
    .action(inspect);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return EXIT_ERROR;
    const message = err instanceof CheckpointError ? err.message : err instanceof Error ? err.stack ?? err.message : String(err);
    process.stderr.write(`tfjs-checkpoint: ${message.split('\n')[0]}\n`);
    return EXIT_ERROR;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
