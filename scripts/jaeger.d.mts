/** Types of scripts/jaeger.mjs (Jaeger v2 built with Go into .cache/, started on free loopback ports). */
export declare const JAEGER_VERSION: string;
export declare const JAEGER_DIR: string;
export declare const JAEGER_HINT: string;
export declare function jaegerBinary(): string | undefined;
export declare function findGo(): string | undefined;
export declare function buildJaeger(options?: { log?: (line: string) => void }): Promise<string>;
export declare function freePort(): Promise<number>;
export interface RunningJaeger {
  /** OTLP/HTTP base URL; traces go to `${otlpEndpoint}/v1/traces`. */
  readonly otlpEndpoint: string;
  /** Base URL of the HTTP query API (`/api/traces/<id>`, `/api/traces?service=…`). */
  readonly queryUrl: string;
  readonly pid: number;
  stop(): Promise<void>;
  output(): string;
}
export declare function startJaeger(options?: {
  binary?: string;
  timeoutMs?: number;
}): Promise<RunningJaeger>;
