import { stopParlor } from './launch';
import { ENV_DATA_DIR, ENV_PID } from './server';

export default async function globalTeardown(): Promise<void> {
  await stopParlor(Number(process.env[ENV_PID]), process.env[ENV_DATA_DIR]);
}
