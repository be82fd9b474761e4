import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One browser's own network: a network namespace joined to the root namespace by a veth pair, so
 * that its whole network — the socket.io websocket and WebRTC media, both directions — can be cut
 * and restored for real, while every other browser and the server stay on the root namespace.
 *
 *   root namespace                              namespace mdgf-<pid>-<n>
 *   server + mediasoup on <hostIp> (.1) ── veth ── <guestIp> (.2), the tablet's Chromium
 *
 * cut() drops every packet arriving on either end of the veth (iptables raw PREROUTING, before
 * conntrack): the link, its addresses and routes stay up, senders get no error, packets just
 * vanish — as when a mobile counter drives out of coverage. Chromium's offline emulation would not
 * do: it leaves WebRTC's UDP untouched. Names carry the creating process id, so a later run
 * removes whatever a killed run left behind (dispose() is always called in `finally`).
 *
 * limitUplink() caps what the namespace sends (a mobile counter's weak uplink): a `hashlimit` rule
 * drops whatever arrives from it above the rate — a policer, as a congested radio link behaves (there
 * is no netem on this kernel to shape instead).
 *
 * Needs root, iproute2 and iptables (scripts/setup.sh installs them).
 */
export interface NetNamespace {
  /** The namespace's name (ip netns). */
  name: string;
  /** Root-side address of the veth: the server and mediasoup listen here; the root namespace reaches it locally. */
  hostIp: string;
  /** The namespace's own address. */
  guestIp: string;
  /** An executable that runs Chromium inside the namespace with the arguments it is given (Playwright's executablePath). */
  chromiumPath: string;
  /** Whether the network is cut now. */
  readonly isCut: boolean;
  /** Drop everything in both directions from now on. */
  cut(): void;
  /** Drop what the namespace sends above `kbps` (kilobits per second) until unlimitUplink(). */
  limitUplink(kbps: number): void;
  unlimitUplink(): void;
  /** Let traffic through again. */
  restore(): void;
  /**
   * From now on the namespace may send only TCP, and only to these ports when given: a network
   * that blocks UDP, or a proxy-only one that lets out nothing but HTTPS and TURN/TLS.
   */
  allowOnlyTcp(ports?: number[]): void;
  /** Remove the namespace, the veth pair, the rules and the wrapper. Idempotent. */
  dispose(): void;
}

const PREFIX = 'mdgf';
let created = 0;

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function tryRun(command: string, args: string[]): boolean {
  try {
    run(command, args);
    return true;
  } catch {
    return false;
  }
}
const pidAlive = (pid: number) => existsSync(`/proc/${pid}`);

/** The two drop rules of a cut, for the root side (`-A`/`-D` is prepended by the caller). */
const rootRule = (link: string, tag: string) => ['PREROUTING', '-i', link, '-m', 'comment', '--comment', tag, '-j', 'DROP'];

/**
 * The uplink cap's rule (root side, tagged like a cut's so a killed run's is removed too): bytes from
 * the namespace above `kbps` are dropped, after a burst of 64 KiB (the least hashlimit takes).
 */
const uplinkRule = (link: string, tag: string, kbps: number) => [
  'PREROUTING',
  '-i',
  link,
  '-m',
  'hashlimit',
  '--hashlimit-above',
  `${Math.round(kbps / 8)}kb/s`,
  '--hashlimit-burst',
  '64kb',
  '--hashlimit-name',
  link,
  '-m',
  'comment',
  '--comment',
  tag,
  '-j',
  'DROP',
];

/**
 * Remove namespaces, veths and root-namespace rules that earlier runs left behind: every name
 * starts with `mdgf`, followed by the id of the process that made it; only those whose process is
 * gone are touched, so concurrent runs do not disturb each other.
 */
export function removeStaleNamespaces(): void {
  const stale = (name: string) => {
    const match = new RegExp(`^${PREFIX}-?(\\d+)`).exec(name);
    return match !== null && Number(match[1]) !== process.pid && !pidAlive(Number(match[1]));
  };
  for (const line of run('ip', ['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (name && stale(name)) tryRun('ip', ['netns', 'delete', name]);
  }
  for (const line of run('ip', ['-o', 'link', 'show']).split('\n')) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    if (name && stale(name)) tryRun('ip', ['link', 'delete', name]);
  }
  for (const line of run('iptables', ['-t', 'raw', '-S', 'PREROUTING']).split('\n')) {
    const tag = /--comment "?(mdgf-\d+-\d+)"?/.exec(line)?.[1];
    if (line.startsWith('-A ') && tag && stale(tag)) tryRun('iptables', ['-t', 'raw', ...line.replace(/^-A /, '-D ').replace(/"/g, '').split(' ')]);
  }
}

/** A subnet 10.213.x.0/24 no interface on this machine uses yet. */
function freeSubnet(): number {
  const used = run('ip', ['-o', '-4', 'addr', 'show']);
  for (let attempt = 0; attempt < 50; attempt++) {
    const x = Math.floor(Math.random() * 254) + 1;
    if (!used.includes(`10.213.${x}.`)) return x;
  }
  throw new Error('no free 10.213.x.0/24 subnet');
}

/** Create the namespace and its veth pair; the namespace can reach `hostIp` at once. */
export function createNetNamespace(): NetNamespace {
  removeStaleNamespaces();
  const id = `${process.pid}-${created++}`;
  const name = `${PREFIX}-${id}`; // namespace, and the tag of its rules
  const hostLink = `${PREFIX}${process.pid}h${created - 1}`.slice(0, 15);
  const guestLink = `${PREFIX}${process.pid}g${created - 1}`.slice(0, 15);
  const subnet = freeSubnet();
  const hostIp = `10.213.${subnet}.1`;
  const guestIp = `10.213.${subnet}.2`;
  const wrapperDir = mkdtempSync(join(tmpdir(), `${name}-`));
  const chromiumPath = join(wrapperDir, 'chromium-in-netns');
  let cut = false;
  /** The uplink cap in force (kbps), if any. */
  let uplinkKbps: number | null = null;
  let disposed = false;

  const dispose = () => {
    if (disposed) return;
    disposed = true;
    if (cut) tryRun('iptables', ['-t', 'raw', '-D', ...rootRule(hostLink, name)]);
    if (uplinkKbps !== null) tryRun('iptables', ['-t', 'raw', '-D', ...uplinkRule(hostLink, name, uplinkKbps)]);
    // Deleting the namespace destroys its end of the veth, which takes the peer with it, and the
    // namespace's own iptables rules; the explicit link delete covers a half-made setup.
    tryRun('ip', ['netns', 'delete', name]);
    tryRun('ip', ['link', 'delete', hostLink]);
    rmSync(wrapperDir, { recursive: true, force: true });
  };

  try {
    run('ip', ['netns', 'add', name]);
    run('ip', ['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', guestLink, 'netns', name]);
    run('ip', ['addr', 'add', `${hostIp}/24`, 'dev', hostLink]);
    run('ip', ['link', 'set', hostLink, 'up']);
    run('ip', ['-n', name, 'addr', 'add', `${guestIp}/24`, 'dev', guestLink]);
    run('ip', ['-n', name, 'link', 'set', guestLink, 'up']);
    run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', name, 'route', 'add', 'default', 'via', hostIp]);
    const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    writeFileSync(chromiumPath, `#!/bin/sh\nexec ip netns exec ${name} ${chromium} "$@"\n`);
    chmodSync(chromiumPath, 0o755);
  } catch (error) {
    dispose();
    throw error;
  }

  return {
    name,
    hostIp,
    guestIp,
    chromiumPath,
    get isCut() {
      return cut;
    },
    cut() {
      if (cut) return;
      // Into the root namespace (tablet → server) and into the namespace (server → tablet).
      run('iptables', ['-t', 'raw', '-I', ...rootRule(hostLink, name)]);
      run('ip', ['netns', 'exec', name, 'iptables', '-t', 'raw', '-I', 'PREROUTING', '-i', guestLink, '-j', 'DROP']);
      cut = true;
    },
    restore() {
      if (!cut) return;
      run('iptables', ['-t', 'raw', '-D', ...rootRule(hostLink, name)]);
      run('ip', ['netns', 'exec', name, 'iptables', '-t', 'raw', '-D', 'PREROUTING', '-i', guestLink, '-j', 'DROP']);
      cut = false;
    },
    limitUplink(kbps) {
      if (uplinkKbps !== null) this.unlimitUplink();
      run('iptables', ['-t', 'raw', '-I', ...uplinkRule(hostLink, name, kbps)]);
      uplinkKbps = kbps;
    },
    allowOnlyTcp(ports) {
      // The namespace's own filter table: removed with the namespace by dispose().
      const inside = (...rule: string[]) => run('ip', ['netns', 'exec', name, 'iptables', '-A', 'OUTPUT', '-o', guestLink, ...rule]);
      if (ports) inside('-p', 'tcp', '-m', 'multiport', '--dports', ports.join(','), '-j', 'ACCEPT');
      else inside('-p', 'tcp', '-j', 'ACCEPT');
      inside('-j', 'DROP');
    },
    unlimitUplink() {
      if (uplinkKbps === null) return;
      run('iptables', ['-t', 'raw', '-D', ...uplinkRule(hostLink, name, uplinkKbps)]);
      uplinkKbps = null;
    },
    dispose,
  };
}
