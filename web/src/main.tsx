import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { callStore } from './call/callStore';
import { installDebugHook } from './call/debug';
import { currentRealtimeClient } from './store/roomSession';
import './styles.css';
import './files.css';

installDebugHook({ client: currentRealtimeClient, media: () => callStore.getState().callMedia, firstMediaMs: () => callStore.getState().firstMediaMs });

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
