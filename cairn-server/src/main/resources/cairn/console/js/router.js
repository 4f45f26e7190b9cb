// Hash navigation shared by the pages. The router in app.js listens for hashchange/popstate; pages that only
// reflect their own state in the URL (history filter, open event) use replaceHash/pushHash, which do not re-route.

let lastRouted = null;

export function markRouted(hash) { lastRouted = hash; }
export function lastRoutedHash() { return lastRouted; }

/** Changes the URL hash without routing (the page already shows that state). */
export function replaceHash(hash) {
  lastRouted = hash;
  history.replaceState(history.state, '', hash || '#');
}

export function pushHash(hash) {
  lastRouted = hash;
  history.pushState(null, '', hash || '#');
}

/** Navigates: the router mounts the page of that hash. */
export function navigate(hash) {
  if (location.hash === hash) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = hash;
  }
}
