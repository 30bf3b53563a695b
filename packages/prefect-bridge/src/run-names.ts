/**
 * Flow run names in Prefect's style (`adjective-animal`, like `crimson-falcon`): Prefect names a
 * flow run that way when it is not given a name, so runs are easy to tell apart in the console,
 * a report and the Prefect UI.
 *
 * @module
 */
import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'amber',
  'brave',
  'calm',
  'cosmic',
  'crimson',
  'daring',
  'eager',
  'gentle',
  'golden',
  'hidden',
  'jolly',
  'lunar',
  'mellow',
  'nimble',
  'orbital',
  'polar',
  'quiet',
  'radiant',
  'silver',
  'solar',
  'stellar',
  'swift',
  'tidal',
  'vivid',
  'witty',
  'zesty',
] as const;
const ANIMALS = [
  'albatross',
  'badger',
  'beluga',
  'cheetah',
  'dingo',
  'falcon',
  'gecko',
  'heron',
  'ibex',
  'jackal',
  'koala',
  'lemur',
  'lynx',
  'marmot',
  'narwhal',
  'ocelot',
  'otter',
  'panda',
  'quokka',
  'raven',
  'seal',
  'tapir',
  'toucan',
  'walrus',
  'yak',
  'zebra',
] as const;

/**
 * A random `adjective-animal` name for a flow run, like the names Prefect generates.
 *
 * @example
 * ```ts
 * prefectHooks({ flowRunName: () => generateRunName() }); // 'crimson-falcon', 'polar-otter', …
 * ```
 *
 * @since 0.1.0
 */
export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${ANIMALS[randomInt(ANIMALS.length)]}`;
}
