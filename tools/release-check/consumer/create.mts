// Typed consumer of the @weft/create tarball, checked by tsc against the shipped .d.ts.
import {
  type CreatedProject,
  CreateError,
  type CreateProjectOptions,
  createProject,
  detectPackageManager,
  type PackageManager,
  projectCommands,
  runCreate,
  type Templates,
} from '@weft/create';

const options: CreateProjectOptions = {
  directory: 'spaceflights',
  example: false,
  install: true,
  packageManager: 'pnpm',
};
// @ts-expect-error package managers are named
const wrong: CreateProjectOptions = { directory: 'x', packageManager: 'pip' };

async function make(): Promise<CreatedProject> {
  try {
    return await createProject(options);
  } catch (error) {
    if (error instanceof CreateError) console.error(error.code, error.exitCode);
    throw error;
  }
}

const pm: PackageManager = detectPackageManager(process.env.npm_config_user_agent);
const typed: string = projectCommands(pm).run;
const files = (t: Templates): number => Object.keys(t.example).length;
const exit: Promise<number> = runCreate(['my-project', '--no-install'], {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});

export { exit, files, make, typed, wrong };
