export const REPLAY_HELP = ""; export async function runReplay(_f: unknown): Promise<number> { return 1; }
