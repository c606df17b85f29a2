import { TemplateVariable } from '../config/contingency';
import { EnvironmentConfig } from '../config/environment-config';
import { TierPreset } from '../config/tiers';

/** Fill the variables known when the plan is written; runtime ones become «name». */
export function fillTemplate(text: string, config: EnvironmentConfig): string {
  const known: Partial<Record<TemplateVariable, string>> = {
    environment: config.name,
    primaryRegion: config.primaryRegion,
    recoveryRegion: config.recoveryRegion,
    systems: config.databases.map((db) => `${db.name} (${db.tier})`).join(', '),
  };
  return text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, name: string) => known[name as TemplateVariable] ?? `«${name}»`);
}

export function usedTiers(config: EnvironmentConfig): [string, TierPreset, string[]][] {
  const tiers = new Map<string, [string, TierPreset, string[]]>();
  for (const db of config.databases) {
    const entry = tiers.get(db.tier) ?? [db.tier, db.tierPreset, []];
    entry[2].push(db.name);
    tiers.set(db.tier, entry);
  }
  return [...tiers.values()];
}

export function minutes(value: number): string {
  if (value % 1440 === 0) return `${value / 1440} day${value === 1440 ? '' : 's'}`;
  if (value % 60 === 0) return `${value / 60} h`;
  return `${value} min`;
}

export function days(value: number): string {
  if (value >= 365 && value % 365 === 0) return `${value} days (${value / 365} year${value === 365 ? '' : 's'})`;
  return `${value} days`;
}

export function achieved(value: number | undefined, target: number): string {
  return `${value === undefined ? 'not measured' : `${Math.round(value)} s`} / ${Math.round(target)} s`;
}
