export declare function findChromium(env?: Record<string, string | undefined>): string | null;
export declare function ensureChromium(): string;
