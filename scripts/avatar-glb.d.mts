/** A demo 3D head as a binary glTF: morph targets mouthOpen and mouthSmile, clips named after moods. */
export function avatarGlb(o?: {
  clips?: ("happy" | "thinking" | "concerned" | "speaking")[];
  color?: [number, number, number];
}): Uint8Array<ArrayBuffer>;
/** Packs glTF JSON and a binary chunk into a .glb. */
export function packGlb(json: object, bin?: Uint8Array): Uint8Array<ArrayBuffer>;
