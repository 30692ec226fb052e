// A small but real 3D avatar as a binary glTF 2.0 (.glb), built from code so tests and the demo need
// no binary file in the repository: a head with two eyes and a mouth whose morph targets are
// `mouthOpen` and `mouthSmile`, and animation clips named after moods (`happy`, `thinking` by
// default). Plain JS with no Node imports, so workerd tests, browser tests and scripts share it.

/** A UV sphere of radius 1: positions, normals (the same, on a unit sphere) and triangle indices. */
function sphere(lat, lon) {
  const pos = [];
  const idx = [];
  for (let i = 0; i <= lat; i++) {
    const t = (i / lat) * Math.PI;
    for (let j = 0; j <= lon; j++) {
      const p = (j / lon) * 2 * Math.PI;
      pos.push(Math.sin(t) * Math.sin(p), Math.cos(t), Math.sin(t) * Math.cos(p));
    }
  }
  for (let i = 0; i < lat; i++)
    for (let j = 0; j < lon; j++) {
      const a = i * (lon + 1) + j;
      const b = a + lon + 1;
      idx.push(a, b, a + 1, b, b + 1, a + 1);
    }
  return { pos, idx };
}

/** Quaternion of a rotation by `angle` around the unit axis (x, y, z). */
const quat = (x, y, z, angle) => {
  const s = Math.sin(angle / 2);
  return [x * s, y * s, z * s, Math.cos(angle / 2)];
};

/** Rotation keyframes of the head for each mood clip: times in seconds and quaternions. */
const CLIPS = {
  happy: { times: [0, 0.3, 0.6, 0.9, 1.2], rot: [0, 0.18, 0, -0.18, 0].map((a) => quat(0, 0, 1, a)) },
  thinking: { times: [0, 0.6, 1.2], rot: [0.1, 0.25, 0.1].map((a) => quat(-0.6, 0.8, 0, a)) },
  concerned: { times: [0, 0.8, 1.6], rot: [0.12, 0.18, 0.12].map((a) => quat(1, 0, 0, a)) },
  speaking: { times: [0, 0.25, 0.5], rot: [0, 0.06, 0].map((a) => quat(1, 0, 0, a)) },
};

/**
 * @param {{ clips?: (keyof typeof CLIPS)[], color?: [number, number, number] }} [o]
 * @returns {Uint8Array} the .glb file
 */
export function avatarGlb(o = {}) {
  const clips = o.clips ?? ["happy", "thinking"];
  const color = o.color ?? [0.93, 0.72, 0.58];
  /** @type {number[]} */
  const bin = [];
  const views = [];
  const accessors = [];
  const pad = () => {
    while (bin.length % 4) bin.push(0);
  };
  /** Appends typed data as one bufferView and one accessor; returns the accessor's index. */
  const add = (array, componentType, type, count, extra = {}) => {
    pad();
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    views.push({ buffer: 0, byteOffset: bin.length, byteLength: bytes.length });
    for (const b of bytes) bin.push(b);
    accessors.push({ bufferView: views.length - 1, componentType, count, type, ...extra });
    return accessors.length - 1;
  };
  const vec3 = (values) => {
    const min = [Infinity, Infinity, Infinity];
    const max = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < values.length; i++) {
      min[i % 3] = Math.min(min[i % 3], values[i]);
      max[i % 3] = Math.max(max[i % 3], values[i]);
    }
    return add(new Float32Array(values), 5126, "VEC3", values.length / 3, { min, max });
  };
  const indices = (values) => add(new Uint16Array(values), 5123, "SCALAR", values.length);

  /** A sphere scaled by (sx, sy, sz); returns its primitive's attributes and optional morph targets. */
  const ellipsoid = (sx, sy, sz, targets = []) => {
    const s = sphere(16, 24);
    const pos = s.pos.map((v, i) => v * [sx, sy, sz][i % 3]);
    const primitive = {
      attributes: { POSITION: vec3(pos), NORMAL: vec3(s.pos) },
      indices: indices(s.idx),
    };
    if (targets.length) primitive.targets = targets.map((f) => ({ POSITION: vec3(f(s.pos)) }));
    return primitive;
  };

  const head = ellipsoid(1, 1.12, 0.95);
  const eye = ellipsoid(0.13, 0.16, 0.08);
  // the mouth's morph targets move its vertices: open stretches it down, smile lifts its corners
  const mouth = ellipsoid(0.3, 0.06, 0.08, [
    (p) => p.map((v, i) => (i % 3 === 1 && v < 0 ? v * 0.22 : 0)),
    (p) => p.map((v, i) => (i % 3 === 1 ? Math.abs(p[i - 1]) * 0.18 : 0)),
  ]);

  const animations = [];
  for (const name of clips) {
    const c = CLIPS[name];
    if (!c) throw new Error(`no clip ${name}`);
    const input = add(new Float32Array(c.times), 5126, "SCALAR", c.times.length, {
      min: [c.times[0]],
      max: [c.times[c.times.length - 1]],
    });
    const output = add(new Float32Array(c.rot.flat()), 5126, "VEC4", c.rot.length);
    animations.push({
      name,
      samplers: [{ input, output, interpolation: "LINEAR" }],
      channels: [{ sampler: 0, target: { node: 0, path: "rotation" } }],
    });
  }
  pad();

  const json = {
    asset: { version: "2.0", generator: "Echo avatar-glb" },
    scene: 0,
    scenes: [{ nodes: [0] }],
    nodes: [
      { name: "Head", mesh: 0, children: [1, 2, 3] },
      { name: "EyeL", mesh: 1, translation: [-0.34, 0.18, 0.86] },
      { name: "EyeR", mesh: 1, translation: [0.34, 0.18, 0.86] },
      { name: "Mouth", mesh: 2, translation: [0, -0.38, 0.88] },
    ],
    meshes: [
      { name: "Head", primitives: [{ ...head, material: 0 }] },
      { name: "Eye", primitives: [{ ...eye, material: 1 }] },
      {
        name: "Mouth",
        primitives: [{ ...mouth, material: 2 }],
        weights: [0, 0],
        extras: { targetNames: ["mouthOpen", "mouthSmile"] },
      },
    ],
    materials: [
      {
        name: "Skin",
        pbrMetallicRoughness: { baseColorFactor: [...color, 1], metallicFactor: 0, roughnessFactor: 0.7 },
      },
      {
        name: "Eye",
        pbrMetallicRoughness: { baseColorFactor: [0.08, 0.08, 0.12, 1], metallicFactor: 0, roughnessFactor: 0.3 },
      },
      {
        name: "Lips",
        pbrMetallicRoughness: { baseColorFactor: [0.55, 0.12, 0.15, 1], metallicFactor: 0, roughnessFactor: 0.5 },
      },
    ],
    buffers: [{ byteLength: bin.length }],
    bufferViews: views,
    accessors,
    ...(animations.length ? { animations } : {}),
  };
  return packGlb(json, new Uint8Array(bin));
}

/**
 * Packs glTF JSON and its binary chunk into a .glb: the 12-byte header, the JSON chunk padded with
 * spaces and the BIN chunk (when not empty) padded with zeros, each to 4 bytes.
 * @param {object} json
 * @param {Uint8Array} [bin]
 * @returns {Uint8Array}
 */
export function packGlb(json, bin = new Uint8Array(0)) {
  const text = new TextEncoder().encode(JSON.stringify(json));
  const jsonLength = Math.ceil(text.length / 4) * 4;
  const binLength = Math.ceil(bin.length / 4) * 4;
  const total = 12 + 8 + jsonLength + (binLength ? 8 + binLength : 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x46546c67, true);
  dv.setUint32(4, 2, true);
  dv.setUint32(8, total, true);
  dv.setUint32(12, jsonLength, true);
  dv.setUint32(16, 0x4e4f534a, true);
  out.set(text, 20);
  out.fill(0x20, 20 + text.length, 20 + jsonLength);
  if (binLength) {
    dv.setUint32(20 + jsonLength, binLength, true);
    dv.setUint32(24 + jsonLength, 0x004e4942, true);
    out.set(bin, 28 + jsonLength);
  }
  return out;
}
