import { useEffect } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { LiveRegion } from './components/LiveRegion';
import { canonicalPath, matchRoute, navigate, usePathname } from './lib/router';
import { InvalidRoomCodePage } from './pages/InvalidRoomCodePage';
import { LandingPage } from './pages/LandingPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { RoomPage } from './pages/RoomPage';

export function App() {
  const pathname = usePathname();
  const route = matchRoute(pathname);
  const preferredPath = canonicalPath(route);

  useEffect(() => {
    // `/r/ABCDEFGHJKMN` and friends become `/r/abcd-efgh-jkmn`, the form people share.
    if (preferredPath !== null && preferredPath !== pathname) navigate(preferredPath, { replace: true });
  }, [preferredPath, pathname]);

  return (
    <>
      {route.name === 'landing' && <LandingPage />}
      {route.name === 'room' && route.code !== null && (
        <ErrorBoundary
          key={route.code}
          name="room"
          className="error-room"
          explanation="This room page stopped working, and a call you were in was left. Try again to open the room afresh."
        >
          <RoomPage code={route.code} />
        </ErrorBoundary>
      )}
      {route.name === 'room' && route.code === null && <InvalidRoomCodePage raw={route.raw} />}
      {route.name === 'not-found' && <NotFoundPage />}
      <LiveRegion />
    </>
  );
}
