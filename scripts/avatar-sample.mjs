// `npm run avatar:sample [-- out.glb]`: writes the test head of scripts/avatar-glb.mjs (clips happy,
// thinking, concerned, speaking; morph targets mouthOpen, mouthSmile) as a .glb to try the 3D avatar
// with: upload it on the Bots screen's "3D avatar" card.
import { writeFileSync } from "node:fs";
import { avatarGlb } from "./avatar-glb.mjs";

const out = process.argv[2] ?? "artifacts/avatar-sample.glb";
const bytes = avatarGlb({ clips: ["happy", "thinking", "concerned", "speaking"] });
writeFileSync(out, bytes);
console.log(`wrote ${out} (${bytes.length} bytes)`);
