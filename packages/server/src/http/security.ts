const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The host name of a Host header (`localhost:6007` → `localhost`, `[::1]:80` → `[::1]`). */
export function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end === -1 ? value : value.slice(0, end + 1);
  }
  const colon = value.lastIndexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

/**
 * Whether a Host header names this machine's loopback: `localhost` (and `*.localhost`, which
 * browsers resolve to loopback themselves), `127.x.x.x`, `[::1]`, with or without a port. A page on
 * evil.example whose DNS is rebound to 127.0.0.1 still sends `Host: evil.example`, so answering
 * only loopback names keeps such pages from reading or changing the traces.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined || host === '') return false;
  const name = hostName(host);
  if (LOOPBACK_NAMES.has(name)) return true;
  if (name.endsWith('.localhost')) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** An Origin header (browsers send it on cross-site writes) that is not a loopback page. */
export function isForeignOrigin(origin: string | undefined): boolean {
  if (origin === undefined || origin === '') return false;
  if (origin === 'null') return true;
  try {
    return !isLoopbackHost(new URL(origin).host);
  } catch {
    return true;
  }
}

/** A peer address on this machine: 127.0.0.0/8, ::1, or 127.x mapped into IPv6 (`::ffff:127.0.0.1`). */
function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * A client on this machine: a loopback peer, or one connecting to this machine's own address (a
 * service bound to a LAN address, asked from the same host: the peer is that address too).
 */
export function isSameMachinePeer(socket: { remoteAddress?: string; localAddress?: string }): boolean {
  const { remoteAddress, localAddress } = socket;
  return isLoopbackAddress(remoteAddress) || (remoteAddress !== undefined && remoteAddress === localAddress);
}
