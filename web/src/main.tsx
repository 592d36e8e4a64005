import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { callStore } from './call/callStore';
import { installDebugHook } from './call/debug';
import { currentRealtimeClient, currentRoomAccess } from './store/roomSession';
import { startClientTelemetry } from './telemetry/clientTelemetry';
import './styles.css';
import './files.css';

// Our own errors go to the server (with the room's token; none outside a room).
startClientTelemetry({ token: () => currentRoomAccess()?.token ?? null });
installDebugHook({ client: currentRealtimeClient, media: () => callStore.getState().callMedia, firstMediaMs: () => callStore.getState().firstMediaMs });

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
