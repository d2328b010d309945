// Token + position embedding: out[t, c] = wte[ids[t], c] + wpe[pos0 + t, c], t < T, c < C.
// Bindings: 0 Params, 1 ids: array<u32>[T], 2 wte: array<u32> (weights [V, C]),
//   3 wpe: array<u32> (weights [P, C]), 4 out: array<f32>[T, C].
// Weights are f32 bit patterns, or with WEIGHTS_F16 packed f16 pairs: flat element i in
//   word i >> 1, low half when i is even (rows of odd C start mid-word).
// Dispatch: (ceil(C / 256), T) workgroups of 256; one invocation per output element, so
//   neighbouring invocations read neighbouring words of one row (coalesced).

struct Params {
  T: u32,
  C: u32,
  pos0: u32,
}

override WEIGHTS_F16: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read> wte: array<u32>;
@group(0) @binding(3) var<storage, read> wpe: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

fn half_at(word: u32, i: u32) -> f32 {
  let pair = unpack2x16float(word);
  return select(pair.x, pair.y, (i & 1u) == 1u);
}

fn wte_at(i: u32) -> f32 {
  if (WEIGHTS_F16) {
    return half_at(wte[i >> 1u], i);
  }
  return bitcast<f32>(wte[i]);
}

fn wpe_at(i: u32) -> f32 {
  if (WEIGHTS_F16) {
    return half_at(wpe[i >> 1u], i);
  }
  return bitcast<f32>(wpe[i]);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let t = gid.y;
  if (c >= params.C || t >= params.T) {
    return;
  }
  let C = params.C;
  out[t * C + c] = wte_at(ids[t] * C + c) + wpe_at((params.pos0 + t) * C + c);
}
