export const PROXY_HELP = ""; export async function runProxy(_f: unknown): Promise<number> { return 1; }
