export const DEMO_HELP = ""; export async function runDemo(_f: unknown): Promise<number> { return 1; }
