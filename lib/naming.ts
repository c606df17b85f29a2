import { EnvironmentConfig } from './config/environment-config';

/**
 * Physical names that must be known across regions or accounts before deployment (the primary region's
 * copy rules point at the recovery vault by ARN). Everything else is left for CloudFormation to name.
 */
export const names = {
  primaryStack: (env: EnvironmentConfig) => `Rxdr-${title(env)}-Primary`,
  recoveryStack: (env: EnvironmentConfig) => `Rxdr-${title(env)}-Recovery`,
  primaryVault: (env: EnvironmentConfig) => `rxdr-${env.name}-primary`,
  recoveryVault: (env: EnvironmentConfig) => `rxdr-${env.name}-recovery`,
  keyAlias: (env: EnvironmentConfig, role: 'primary' | 'recovery') => `alias/rxdr-${env.name}-${role}`,
};

function title(env: EnvironmentConfig): string {
  return env.name.charAt(0).toUpperCase() + env.name.slice(1);
}
