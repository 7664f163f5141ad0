/** A V8 CPU profile's samples attributed to their owners (a package, paytrace's code, V8), and which owners are telemetry. */
import { ROOT } from '@paytrace/devstack';

/** A V8 .cpuprofile (what node --cpu-prof writes). */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  /** Microseconds of the monotonic clock, as process.hrtime. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The owner of a frame: a package name, `app` (paytrace's own dist/), a V8 pseudo-frame, or null for Node.js internals. */
export function owner(url: string, functionName: string): string | null {
  // V8's pseudo-frames: (garbage collector), (program), (idle); (root) is Node.js itself (libuv callbacks).
  if (!url) return functionName.startsWith('(') && functionName !== '(root)' ? functionName : null;
  if (url.startsWith('node:')) return null;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 14).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return url.includes(ROOT) || url.startsWith('file://') ? 'app (paytrace)' : null;
}

/** Milliseconds of CPU per owner: each sample goes to the innermost frame with an owner. */
export function attribute(profile: CpuProfile, window: { from: number; to: number }, selfTime: Map<string, number>): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cache = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const cached = cache.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const own = owner(node.callFrame.url, node.callFrame.functionName);
    const p = parent.get(id);
    const result = own ?? (p !== undefined ? ownerOf(p) : 'node (internals)');
    cache.set(id, result);
    return result;
  };
  const ms = new Map<string, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < window.from || at > window.to) return;
    const who = ownerOf(id);
    ms.set(who, (ms.get(who) ?? 0) + delta / 1000);
    const frame = byId.get(id)!.callFrame;
    if (isTelemetry(owner(frame.url, frame.functionName) ?? '')) {
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.slice(frame.url.lastIndexOf('/node_modules/') + 14)}`;
      selfTime.set(key, (selfTime.get(key) ?? 0) + delta / 1000);
    }
  });
  return ms;
}

export const isTelemetry = (who: string) => /^@opentelemetry\/|^@fastify\/otel$|in-the-middle$|^shimmer$|^protobufjs$/.test(who);
