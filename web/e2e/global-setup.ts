import { launchParlor } from './launch';
import { ENV_DATA_DIR, ENV_PID, ENV_URL } from './server';

/** Starts the suite's server; global-teardown stops it. */
export default async function globalSetup(): Promise<void> {
  const server = await launchParlor();
  process.env[ENV_URL] = server.url;
  process.env[ENV_PID] = String(server.pid);
  process.env[ENV_DATA_DIR] = server.dataDir;
}
