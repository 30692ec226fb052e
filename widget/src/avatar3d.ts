import {
  AmbientLight,
  type AnimationAction,
  AnimationMixer,
  Box3,
  DirectionalLight,
  Group,
  type Mesh,
  PerspectiveCamera,
  Scene,
  Vector3,
  WebGLRenderer,
} from "three";
import { GLTFLoader } from "three/examples/jsm/loaders/GLTFLoader.js";

/**
 * The 3D avatar (issue 19): the bot's uploaded glTF model drawn with three.js in the avatar button.
 * This chunk (three.js and its glTF loader) is fetched only for bots with a model, after the 2D
 * avatar is up; until it has drawn, and whenever WebGL or the model fails, the 2D face stays.
 *
 * It reads the same attributes the 2D face does (`data-mood`, `data-state`, `data-o`, `.poke`), so
 * the room's mood frames and the streamed answer drive both alike:
 * - a clip named after the mood or state (happy, thinking, concerned, apologetic, handing-over,
 *   speaking, listening, idle) plays when the model has one;
 * - morph targets, when present, move the face: mouthOpen/jawOpen/viseme_aa open and close with each
 *   streamed piece of the answer (and with the browser's speech when the visitor listens), smile and
 *   frown/brow targets follow the mood;
 * - the head's pose follows the mood (tilts, nods, looks aside to hand over), leans in while the
 *   visitor types, looks toward the pointer on hover and spins a little when clicked.
 * With `prefers-reduced-motion` it draws still poses, once per change, and never loops.
 */

type Pose = { x: number; y: number; z: number; smile: number; frown: number; brow: number };
const POSES: Record<string, Pose> = {
  neutral: { x: 0, y: 0, z: 0, smile: 0.1, frown: 0, brow: 0 },
  happy: { x: -0.05, y: 0, z: 0.08, smile: 0.9, frown: 0, brow: 0.2 },
  thinking: { x: -0.22, y: 0.25, z: 0.12, smile: 0, frown: 0.1, brow: 0.6 },
  concerned: { x: 0.12, y: 0, z: -0.06, smile: 0, frown: 0.6, brow: 0.7 },
  apologetic: { x: 0.25, y: -0.05, z: -0.12, smile: 0, frown: 0.4, brow: 0.9 },
  "handing-over": { x: 0, y: 0.55, z: 0, smile: 0.5, frown: 0, brow: 0.2 },
};
const MORPHS = {
  open: /jaw_?open|mouth_?open|viseme_?aa$/i,
  smile: /smile/i,
  frown: /frown|sad/i,
  brow: /brow_?(inner_?)?up|brows?_?raise/i,
  blink: /blink|eyes?_?closed?/i,
};

/** Draws `url` in `el`; resolves once the first frame is drawn (then the 2D face is hidden by CSS). */
export async function mount3d(el: HTMLElement, url: string, reduced: boolean): Promise<void> {
  const canvas = document.createElement("canvas");
  const renderer = new WebGLRenderer({ canvas, alpha: true, antialias: true });
  const gltf = await new GLTFLoader().loadAsync(url);

  const scene = new Scene();
  scene.add(new AmbientLight(0xffffff, 1.4));
  const key = new DirectionalLight(0xffffff, 2.2);
  key.position.set(1.5, 2, 3);
  scene.add(key);

  // the model sits in a pivot at its centre, so poses turn it about itself while clips move its parts
  const model = gltf.scene;
  const box = new Box3().setFromObject(model);
  const centre = box.getCenter(new Vector3());
  const size = box.getSize(new Vector3());
  model.position.sub(centre);
  const pivot = new Group();
  pivot.add(model);
  scene.add(pivot);
  const camera = new PerspectiveCamera(30, 1, 0.01, 100);
  const radius = Math.max(size.x, size.y, size.z) / 2;
  camera.position.set(0, 0, (radius / Math.tan((15 * Math.PI) / 180)) * 1.15);
  camera.lookAt(0, 0, 0);

  // morph targets by role, across every mesh that has them
  const morphs: { mesh: Mesh; role: keyof typeof MORPHS; i: number }[] = [];
  model.traverse((o) => {
    const mesh = o as Mesh;
    const dict = mesh.morphTargetDictionary;
    if (!dict || !mesh.morphTargetInfluences) return;
    for (const [name, i] of Object.entries(dict))
      for (const role of Object.keys(MORPHS) as (keyof typeof MORPHS)[])
        if (MORPHS[role].test(name)) morphs.push({ mesh, role, i });
  });
  const setMorph = (role: keyof typeof MORPHS, v: number) => {
    for (const m of morphs) if (m.role === role) m.mesh.morphTargetInfluences![m.i] = v;
  };

  // clips by lower-cased name ("handing-over" also matches handingover / handing_over / wave)
  const mixer = new AnimationMixer(model);
  const clips = new Map<string, AnimationAction>();
  for (const c of gltf.animations) clips.set(c.name.toLowerCase().replace(/[\s_]+/g, "-"), mixer.clipAction(c));
  const clipFor = (name: string) =>
    clips.get(name) ?? (name === "handing-over" ? (clips.get("handingover") ?? clips.get("wave")) : undefined);
  let playing: AnimationAction | undefined;
  const play = (name: string) => {
    const next = clipFor(name) ?? clipFor("idle");
    if (next === playing) return;
    if (next) {
      next.reset().play();
      if (playing && !reduced) next.crossFadeFrom(playing, 0.25, false);
    }
    if (playing && (reduced || !next)) playing.stop();
    playing = next;
    canvas.dataset.clip = next ? next.getClip().name : "";
  };

  const resize = () => {
    const w = el.clientWidth || 56;
    const h = el.clientHeight || 56;
    renderer.setPixelRatio(Math.min(2, window.devicePixelRatio || 1));
    renderer.setSize(w, h, false);
    camera.aspect = w / h;
    camera.updateProjectionMatrix();
  };

  let pointer: { x: number; y: number } | null = null;
  el.addEventListener("pointermove", (e) => {
    const r = el.getBoundingClientRect();
    pointer = { x: ((e.clientX - r.left) / r.width) * 2 - 1, y: ((e.clientY - r.top) / r.height) * 2 - 1 };
  });
  el.addEventListener("pointerleave", () => (pointer = null));

  let spin = 0;
  let mouth = 0;
  let lastClipKey = "";
  const cur: Pose = { ...POSES.neutral! };
  const step = (dt: number, t: number, draw = true) => {
    const mood = el.dataset.mood ?? "neutral";
    const state = el.dataset.state ?? "idle";
    const speaking = state === "speaking";
    const clipKey = clipFor(mood) ? mood : clipFor(state) ? state : "idle";
    if (clipKey !== lastClipKey) play((lastClipKey = clipKey));
    if (el.classList.contains("poke") && spin <= 0) spin = reduced ? 0 : 1;

    const target = { ...(POSES[mood] ?? POSES.neutral!) };
    if (state === "listening") target.x += 0.12;
    if (pointer && !reduced) {
      target.y += pointer.x * 0.35;
      target.x += pointer.y * 0.25;
    }
    const k = reduced ? 1 : Math.min(1, dt * 6);
    for (const p of Object.keys(cur) as (keyof Pose)[]) cur[p] += (target[p] - cur[p]) * k;

    // the mouth opens with each streamed piece (data-o flips), closes when the answer is done
    const open = speaking && !reduced ? (el.dataset.o === "1" ? 0.85 : 0.25) : 0;
    mouth += (open - mouth) * (reduced ? 1 : Math.min(1, dt * 18));
    setMorph("open", mouth);
    setMorph("smile", cur.smile);
    setMorph("frown", cur.frown);
    setMorph("brow", cur.brow);
    // a blink now and then
    setMorph("blink", !reduced && t % 4.2 < 0.12 ? 1 : 0);

    const breathe = reduced ? 0 : Math.sin(t * 1.6) * 0.015;
    const nod = speaking && !reduced ? Math.sin(t * 9) * 0.03 : 0;
    if (spin > 0) spin = Math.max(0, spin - dt * 2.2);
    pivot.rotation.set(cur.x + nod, cur.y + (1 - spin) * spin * 8, cur.z);
    pivot.position.y = breathe * radius;
    if (!reduced) mixer.update(dt);
    canvas.dataset.mouth = mouth.toFixed(2);
    if (draw) renderer.render(scene, camera);
  };

  el.dataset.render = "3d";
  resize();
  el.insertBefore(canvas, el.firstChild);
  if (reduced) mixer.update(0);
  step(0, 0);

  if (reduced) {
    // still poses: draw again only when the mood or state changes
    new MutationObserver(() => {
      // the pose and the (possibly new) clip's still frame, then one drawing
      step(0, 0, false);
      mixer.update(0);
      renderer.render(scene, camera);
    }).observe(el, {
      attributes: true,
      attributeFilter: ["data-mood", "data-state", "data-o", "class"],
    });
    return;
  }
  let last = performance.now();
  const loop = (now: number) => {
    const dt = Math.min(0.1, (now - last) / 1000);
    last = now;
    step(dt, now / 1000);
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}
