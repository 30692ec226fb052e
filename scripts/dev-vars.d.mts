export declare const REQUIRED_SECRETS: string[];
export declare function devVarsPath(cwd?: string): string;
export declare function randomSecret(): string;
export declare function parseDevVars(text: string): Record<string, string>;
export declare function ensureDevVars(path?: string): Record<string, string>;
