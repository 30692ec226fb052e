/**
 * Which destinations the egress policy (./egress.ts) refuses: loopback, private, link-local, CGNAT,
 * unique-local, multicast, documentation and cloud-metadata addresses, and names that mean "this
 * machine or this network". Pure functions over the WHATWG URL parser's canonical host, so every
 * IPv4 notation (decimal `2130706433`, hex `0x7f.1`, octal `0177.0.0.1`, short `127.1`) and every
 * IPv6 spelling (`[::ffff:127.0.0.1]` becomes `[::ffff:7f00:1]`) reaches these checks as one form.
 */

/** [network, prefix length] of IPv4 blocks that are not the public internet (RFC 6890 and friends). */
const V4_BLOCKED: [number, number][] = [
  [ip4(0, 0, 0, 0), 8], // "this network"; 0.0.0.0 reaches loopback on Linux
  [ip4(10, 0, 0, 0), 8],
  [ip4(100, 64, 0, 0), 10], // CGNAT
  [ip4(127, 0, 0, 0), 8],
  [ip4(169, 254, 0, 0), 16], // link-local, incl. 169.254.169.254 cloud metadata
  [ip4(172, 16, 0, 0), 12],
  [ip4(192, 0, 0, 0), 24], // IETF protocol assignments (incl. 192.0.0.192 Oracle metadata)
  [ip4(192, 0, 2, 0), 24],
  [ip4(192, 88, 99, 0), 24], // 6to4 relay anycast
  [ip4(192, 168, 0, 0), 16],
  [ip4(198, 18, 0, 0), 15], // benchmarking
  [ip4(198, 51, 100, 0), 24],
  [ip4(203, 0, 113, 0), 24],
  [ip4(224, 0, 0, 0), 4], // multicast
  [ip4(240, 0, 0, 0), 4], // reserved + broadcast
];

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** The 32-bit value of a dotted-quad IPv4 address, or null when `s` is not one. */
export function parseIpv4(s: string): number | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

export function isBlockedIpv4(n: number): boolean {
  return V4_BLOCKED.some(([net, len]) => (len === 0 ? true : n >>> (32 - len) === net >>> (32 - len)));
}

/** The eight 16-bit groups of an IPv6 address (an embedded dotted IPv4 tail allowed), or null. */
export function parseIpv6(s: string): number[] | null {
  let text = s.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    // a dotted IPv4 tail ("::ffff:1.2.3.4") becomes its two hex groups
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const given = head.length + rest.length;
  if (given > 8 || (halves.length === 1 && given !== 8) || (halves.length === 2 && given === 8)) return null;
  const out: number[] = [];
  for (const g of [...head, ...Array<string>(8 - given).fill("0"), ...rest]) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    out.push(parseInt(g, 16));
  }
  return out;
}

export function isBlockedIpv6(g: number[]): boolean {
  const [a, b] = [g[0]!, g[1]!];
  const v4At = (i: number) => ((g[i]! << 16) | g[i + 1]!) >>> 0;
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return true; // :: unspecified
  if (zeroUpTo(7) && g[7] === 1) return true; // ::1 loopback
  if (zeroUpTo(5) && g[5] === 0xffff) return isBlockedIpv4(v4At(6)); // IPv4-mapped
  if (zeroUpTo(6)) return isBlockedIpv4(v4At(6)); // IPv4-compatible (deprecated)
  // NAT64 64:ff9b::/96 embeds an IPv4 address; the local-use 64:ff9b:1::/48 is private
  if (a === 0x64 && b === 0xff9b) return g.slice(2, 6).some((x) => x !== 0) || isBlockedIpv4(v4At(6));
  if (a === 0x2002) return isBlockedIpv4(v4At(1)); // 6to4 embeds an IPv4 address
  if (a === 0x2001 && b === 0) return true; // Teredo hides an IPv4 address
  if (a === 0x2001 && b === 0xdb8) return true; // documentation
  if (a === 0x100 && g.slice(1, 4).every((x) => x === 0)) return true; // discard-only
  if ((a & 0xfe00) === 0xfc00) return true; // unique-local fc00::/7 (incl. fd00:ec2::254 metadata)
  if ((a & 0xffc0) === 0xfe80 || (a & 0xffc0) === 0xfec0) return true; // link-local, site-local
  if ((a & 0xff00) === 0xff00) return true; // multicast
  return false;
}

/** Names that mean this machine or this network, whatever a resolver says about them. */
const LOCAL_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".localdomain", ".lan", ".intranet"];

export type HostKind = { kind: "ipv4" | "ipv6" | "name"; blocked: boolean; reason?: string };

/**
 * Classifies a URL's `hostname` (as the URL parser gave it: IPv6 in brackets, IPv4 dotted). A name
 * is "blocked" only when its spelling is local (`localhost`, `*.localhost`, single-label intranet
 * names, `.internal`, `.local`…); whether a public-looking name resolves to a private address is
 * for the resolver to tell (./egress.ts).
 */
export function classifyHost(hostname: string): HostKind {
  const h = hostname.toLowerCase().replace(/\.$/, "");
  if (h.startsWith("[") && h.endsWith("]")) {
    const g = parseIpv6(h.slice(1, -1));
    if (!g) return { kind: "ipv6", blocked: true, reason: "an unreadable IPv6 address" };
    return isBlockedIpv6(g)
      ? { kind: "ipv6", blocked: true, reason: "a private address" }
      : { kind: "ipv6", blocked: false };
  }
  const v4 = parseIpv4(h);
  if (v4 !== null)
    return isBlockedIpv4(v4)
      ? { kind: "ipv4", blocked: true, reason: "a private address" }
      : { kind: "ipv4", blocked: false };
  // a bare number or hex word the URL parser left alone is never a public name
  if (/^(0x[0-9a-f]*|\d+)$/.test(h)) return { kind: "ipv4", blocked: true, reason: "a numeric host" };
  if (h === "localhost" || !h.includes(".") || LOCAL_SUFFIXES.some((s) => h.endsWith(s)))
    return { kind: "name", blocked: true, reason: "a local name" };
  return { kind: "name", blocked: false };
}

/** True when an address a resolver returned (dotted IPv4 or IPv6 text) is not public. */
export function isBlockedAddress(address: string): boolean {
  const v4 = parseIpv4(address);
  if (v4 !== null) return isBlockedIpv4(v4);
  const v6 = parseIpv6(address);
  return v6 ? isBlockedIpv6(v6) : true;
}
