import { useEffect } from 'react';
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
      {route.name === 'room' && route.code !== null && <RoomPage key={route.code} code={route.code} />}
      {route.name === 'room' && route.code === null && <InvalidRoomCodePage raw={route.raw} />}
      {route.name === 'not-found' && <NotFoundPage />}
      <LiveRegion />
    </>
  );
}
