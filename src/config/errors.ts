/** A bad configuration value: the message names the setting, what was expected and what was received. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config_invalid';
  constructor(message: string) {
    super(message);
  }
}
