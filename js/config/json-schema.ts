// JSON Schema of the configuration, for editors (YAML/JSON config files) and non-JS tooling.
import { z } from "zod";
import { configSchema } from "./schema.js";

export function configJsonSchema(): Record<string, unknown> {
  return {
    title: "toolwatch configuration",
    ...(z.toJSONSchema(configSchema, { unrepresentable: "any" }) as Record<string, unknown>),
  };
}
