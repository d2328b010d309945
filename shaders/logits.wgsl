// LM head (tied to the token embedding): out[v] = dot(input[0 .. C), wte[v, 0 .. C)) for
// v < V, wte [V, C] row-major. Memory-bound: wte is read once, coalesced. A workgroup of
// 32 x 8 invocations takes 8 rows, 32 invocations per row striding along it (adjacent
// invocations, adjacent words), then a tree reduction in workgroup memory per row.
//   f16: the invocations walk the row's u32 words, each word serving both of its halves; with
//        odd C a word straddling two rows is read by both rows' groups, each taking its half.
// Bindings: 0 Params, 1 input: array<f32>[C], 2 wte: array<u32> (f32 bits, or packed f16
//   pairs when WEIGHTS_F16), 3 out: array<f32>[V].
// Dispatch: ceil(V / 8) workgroups, split over x and y by grid1d (rows past V do nothing).

struct Params {
  C: u32,
  V: u32,
}

override WEIGHTS_F16: bool = false;

const GROUP: u32 = 32u; // invocations per row
const ROWS: u32 = 8u; // rows per workgroup

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> wte: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> part: array<f32, 256>; // [ROWS][GROUP]

@compute @workgroup_size(GROUP, ROWS)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let C = params.C;
  let V = params.V;
  let lane = lid.x;
  let v = (wid.y * groups.x + wid.x) * ROWS + lid.y;
  var acc = 0.0;
  if (v < V) {
    let f0 = v * C; // flat range of row v: [f0, f0 + C)
    let f1 = f0 + C;
    if (WEIGHTS_F16) {
      // Words (f0 >> 1) .. ((f1 - 1) >> 1); the first may start one half early (f0 odd).
      let q1 = (f1 + 1u) >> 1u;
      for (var q = (f0 >> 1u) + lane; q < q1; q += GROUP) {
        let w = unpack2x16float(wte[q]);
        let f = 2u * q;
        if (f >= f0) {
          acc += w.x * input[f - f0];
        }
        if (f + 1u < f1) {
          acc += w.y * input[f + 1u - f0];
        }
      }
    } else {
      for (var c = lane; c < C; c += GROUP) {
        acc += bitcast<f32>(wte[f0 + c]) * input[c];
      }
    }
  }
  let i = lid.y * GROUP + lane;
  part[i] = acc;
  workgroupBarrier();
  for (var s = GROUP / 2u; s > 0u; s >>= 1u) {
    if (lane < s) {
      part[i] += part[i + s];
    }
    workgroupBarrier();
  }
  if (lane == 0u && v < V) {
    out[v] = part[i];
  }
}
