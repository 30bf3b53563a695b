/**
 * The project templates `create-weft` writes: `templates.json`, made from the repository's
 * `apps/demo` (the spaceflights project, the one copy there is) when the package is packed.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { CreateError } from './errors.js';

/** The two templates, each as `{ relative path: file text }`. */
export interface Templates {
  readonly version: 1;
  /** The spaceflights project. */
  readonly example: Readonly<Record<string, string>>;
  /** The same layout without the example (`--no-example`). */
  readonly skeleton: Readonly<Record<string, string>>;
}

/** Where the package keeps its templates. */
export const TEMPLATES_FILE = new URL('../templates.json', import.meta.url);

/**
 * Reads the templates.
 *
 * @throws {CreateError} when the file is missing or not a template file.
 */
export async function loadTemplates(file: string | URL = TEMPLATES_FILE): Promise<Templates> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CreateError(
      'ERR_CREATE_TEMPLATES',
      `the project templates are missing (${String(file)}): in the Weft repository, make them with node packages/create/scripts/bundle-templates.mjs`,
      { cause: error },
    );
  }
  const templates = JSON.parse(text) as Templates;
  if (
    templates.version !== 1 ||
    typeof templates.example !== 'object' ||
    typeof templates.skeleton !== 'object'
  ) {
    throw new CreateError('ERR_CREATE_TEMPLATES', `${String(file)} is not a template file of this version`);
  }
  return templates;
}
