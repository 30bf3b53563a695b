/** Types of `bundle-templates.mjs` (for the tests, which import it). */
export declare const DEFAULT_DEMO_DIR: string;
export declare const DEFAULT_SKELETON_DIR: string;
export declare const SKELETON_DROPS: readonly string[];
export declare function isTemplateFile(path: string): boolean;
export declare function collectFiles(dir: string, keep?: (path: string) => boolean): Record<string, string>;
export declare function bundleTemplates(options?: { demoDir?: string; skeletonDir?: string }): {
  version: 1;
  example: Record<string, string>;
  skeleton: Record<string, string>;
};
