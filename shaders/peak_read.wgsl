// Peak read bandwidth: streams `data` (much larger than any cache) through the GPU once.
// Invocation g of S (S = every invocation of the dispatch) sums, with wrapping u32 adds, the
// vec4 elements g, g + S, g + 2S, ... below n and writes the four lanes' sum to out[g]: the
// result depends on every word read, so no compiler can drop a load. Four loads are issued
// per loop iteration before any is used, so each invocation keeps 64 bytes in flight.
// Bindings: 0 Params, 1 data: array<vec4<u32>>[n], 2 out: array<u32>[S].
// Dispatch: (groups_x, groups_y) workgroups of WG = 256, S = groups_x * groups_y * WG.

struct Params {
  n: u32, // vec4 elements of data
  stride: u32, // S: invocations in the dispatch
  groups_x: u32, // workgroups along x in the dispatch grid
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> data: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = (wid.y * params.groups_x + wid.x) * WG + lid.x;
  let n = params.n;
  let s = params.stride;
  var a = vec4<u32>(0u);
  var b = vec4<u32>(0u);
  var c = vec4<u32>(0u);
  var d = vec4<u32>(0u);
  var i = g;
  // n - 3s cannot wrap below zero here: the loop runs only while i + 3s < n.
  loop {
    if (n < 3u * s + 1u || i >= n - 3u * s) {
      break;
    }
    a += data[i];
    b += data[i + s];
    c += data[i + 2u * s];
    d += data[i + 3u * s];
    i += 4u * s;
  }
  for (; i < n; i += s) {
    a += data[i];
  }
  let t = a + b + c + d;
  out[g] = t.x + t.y + t.z + t.w;
}
