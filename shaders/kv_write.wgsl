// KV-cache write: row t of qkv [T, 3C] (q | k | v, as c_attn lays them out) is copied to
// row pos0 + t of q_store, k_cache and v_cache (each [P, C]). Queries are kept so that
// attention maps can be recomputed exactly later (attention_probs.wgsl).
// Bindings: 0 Params, 1 qkv: array<f32>[T*3C], 2 q_store, 3 k_cache, 4 v_cache:
// array<f32>[P*C] (pos0 + T <= P, checked by the binding).
// Dispatch: (ceil(C / 256), T) workgroups of 256; invocation (c, t) moves channel c of row t,
// so neighbouring invocations read and write neighbouring floats.

struct Params {
  T: u32,
  C: u32,
  pos0: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> q_store: array<f32>;
@group(0) @binding(3) var<storage, read_write> k_cache: array<f32>;
@group(0) @binding(4) var<storage, read_write> v_cache: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let t = gid.y;
  let C = params.C;
  if (c >= C || t >= params.T) {
    return;
  }
  let src = t * 3u * C + c;
  let dst = (params.pos0 + t) * C + c;
  q_store[dst] = qkv[src];
  k_cache[dst] = qkv[src + C];
  v_cache[dst] = qkv[src + 2u * C];
}
