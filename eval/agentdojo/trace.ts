// One AgentDojo run as the evaluation reads it (load.ts fills it, labels.ts marks its malicious calls).

export interface TraceCall {
  tool: string;
  args: Record<string, unknown>;
  /** This call carries out the attacker's goal (call-level label); false where labels are unknown. */
  malicious: boolean;
}

export interface Run {
  pipeline: string;
  suite: string;
  task: string;
  /** `suite/user_task_id`: the entity whose baseline is learned. */
  entity: string;
  injection: string | null;
  attacked: boolean;
  /** Attacked run whose injection task succeeded (`metadata.security == true`). */
  succeeded: boolean;
  /** Attacked run with at least one malicious call; null when call-level labels are unknown for it. */
  attempted: boolean | null;
  /** Index of the first malicious call, -1 if none or unknown. */
  firstMalicious: number;
  calls: TraceCall[];
}
