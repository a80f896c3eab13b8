/**
 * Column names are the snake_case of the entity property names (`lastRefreshAt` → `last_refresh_at`), so entity
 * schemas list properties only and the hand-written migrations spell the same names.
 */
import { DefaultNamingStrategy, type NamingStrategyInterface } from 'typeorm';

export class SnakeCaseNamingStrategy extends DefaultNamingStrategy implements NamingStrategyInterface {
  override columnName(propertyName: string, customName: string | undefined, embeddedPrefixes: string[]): string {
    return customName ?? snakeCase([...embeddedPrefixes, propertyName].join('_'));
  }
}

export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
