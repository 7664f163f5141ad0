/** balance's configuration from the environment: the shared base and database settings, and PORT (default 8082). */
import { BaseConfigSchema, DatabaseConfigSchema, Type, loadConfig } from '@paytrace/services';

export const BalanceConfigSchema = {
  ...BaseConfigSchema,
  ...DatabaseConfigSchema,
  PORT: Type.Integer({ default: 8082 }),
};

export type BalanceConfig = ReturnType<typeof loadBalanceConfig>;
export const loadBalanceConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(BalanceConfigSchema, env);
