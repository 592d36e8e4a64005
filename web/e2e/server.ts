/** Where global-setup leaves what the tests and global-teardown need (through process.env). */
export const ENV_URL = 'PARLOR_E2E_URL';
export const ENV_PID = 'PARLOR_E2E_PID';
export const ENV_DATA_DIR = 'PARLOR_E2E_DATA_DIR';

export function serverUrl(): string {
  const url = process.env[ENV_URL];
  if (!url) throw new Error(`${ENV_URL} is not set: the e2e global setup did not start the server`);
  return url;
}
