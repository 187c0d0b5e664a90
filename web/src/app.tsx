import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { setToken, UNAUTHORIZED } from './api';
import { Changes } from './pages/changes';
import { Decisions } from './pages/decisions';
import { Diff } from './pages/diff';
import { Estate } from './pages/estate';
import { Overview } from './pages/overview';
import { Resource } from './pages/resource';

const NAV: [string, string][] = [
  ['/', 'Overview'],
  ['/changes', 'Changes'],
  ['/estate', 'Estate'],
  ['/decisions', 'Decisions'],
  ['/diff', 'Diff'],
];

function Nav() {
  const { path } = useLocation();
  return (
    <nav class="top">
      <a href="/" class="brand">
        elava
      </a>
      {NAV.map(([href, label]) => (
        <a key={href} href={href} class={path === href || (href === '/estate' && path === '/resource') ? 'active' : ''}>
          {label}
        </a>
      ))}
    </nav>
  );
}

/** Asked for when the API answers 401: the token is kept in this tab's sessionStorage only. */
function SignIn({ done }: { done: () => void }) {
  return (
    <div class="signin" role="dialog" aria-modal="true" aria-labelledby="signin-title">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setToken(String(new FormData(e.currentTarget).get('token') ?? '').trim() || null);
          done();
        }}
      >
        <h2 id="signin-title">Sign in</h2>
        <p class="muted">
          This Elava API asks for its token (<code>api.auth_token</code>). It is kept in this tab only, until the tab
          closes.
        </p>
        <input name="token" type="password" autoComplete="current-password" placeholder="token" required />
        <button type="submit">sign in</button>
      </form>
    </div>
  );
}

function NotFound() {
  return (
    <div class="page">
      <h1>Not here</h1>
      <p>
        <a href="/">Back to the overview</a>
      </p>
    </div>
  );
}

export function App() {
  const [asking, setAsking] = useState(false);
  // A new token means asking again: the pages remount and load.
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const ask = () => setAsking(true);
    window.addEventListener(UNAUTHORIZED, ask);
    return () => window.removeEventListener(UNAUTHORIZED, ask);
  }, []);
  return (
    <LocationProvider>
      <Nav />
      <main key={generation}>
        <Router>
          <Route path="/" component={Overview} />
          <Route path="/changes" component={Changes} />
          <Route path="/estate" component={Estate} />
          <Route path="/resource" component={Resource} />
          <Route path="/decisions" component={Decisions} />
          <Route path="/diff" component={Diff} />
          <Route default component={NotFound} />
        </Router>
      </main>
      {asking ? (
        <SignIn
          done={() => {
            setAsking(false);
            setGeneration((g) => g + 1);
          }}
        />
      ) : null}
    </LocationProvider>
  );
}
