/** Settings for a CLI command: parse the environment, report warnings on stderr, or explain what is wrong. */
import { loadSettings, SettingsError, type Settings } from '../config/settings.ts';

export function settingsFromEnvironment(): Settings | null {
  try {
    const settings = loadSettings(process.env);
    for (const warning of settings.warnings) console.error(`warning: ${warning}`);
    return settings;
  } catch (err) {
    if (err instanceof SettingsError) {
      console.error(err.message);
      return null;
    }
    throw err;
  }
}
