/** auth's configuration from the environment: the shared base and database settings, and PORT (default 8081). */
import { BaseConfigSchema, DatabaseConfigSchema, Type, loadConfig } from '@paytrace/services';

export const AuthConfigSchema = {
  ...BaseConfigSchema,
  ...DatabaseConfigSchema,
  PORT: Type.Integer({ default: 8081 }),
};

export type AuthConfig = ReturnType<typeof loadAuthConfig>;
export const loadAuthConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(AuthConfigSchema, env);
