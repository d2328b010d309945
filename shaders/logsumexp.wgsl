// Softmax normalisers of the logits row [V], for sampling on the CPU from a few candidates:
//   out = (m, sum exp(l - m), sum exp((l - m) * inv_temperature), inv_temperature)
// with m = max l. NaN and -inf logits count for nothing (NaN reads as -inf, as in topk);
// if no logit is left, out = (-inf, 0, 0, inv_temperature). +inf logits are outside the
// contract (the logits kernel only makes finite ones). The last word echoes the parameter
// so a readback carries the temperature its sums were taken at.
// Bindings: 0 Params, 1 logits: array<u32>[>= V] (f32 bits, read as bits so the NaN test is
//   an integer compare that no fast-math can fold), 2 out: array<u32>[4] (f32 bits).
// Dispatch: 1 workgroup of 256. Each invocation keeps an online (max, two sums) over a
//   strided share (coalesced reads, one pass over the 200 KB row); the partials are merged
//   in workgroup memory.

struct Params {
  V: u32,
  inv_temperature: f32,
}

const WG: u32 = 256u;
const NEG_INF_BITS: u32 = 0xff800000u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

// Partial and merge: shaders/lib/softmax_partial.wgsl, linked before this file.
var<workgroup> partials: array<Partial, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let inv_t = params.inv_temperature;
  var acc = Partial(0.0, 0.0, 0.0);
  for (var i = lid; i < params.V; i += WG) {
    let bits = logits[i];
    // NaN (exponent all ones, mantissa not zero) or -inf.
    if ((bits & 0x7fffffffu) > 0x7f800000u || bits == NEG_INF_BITS) {
      continue;
    }
    let l = bitcast<f32>(bits);
    if (acc.sum1 == 0.0) {
      acc = Partial(l, 1.0, 1.0);
    } else if (l > acc.m) {
      let d = acc.m - l;
      acc = Partial(l, acc.sum1 * exp(d) + 1.0, acc.sumt * exp(d * inv_t) + 1.0);
    } else {
      let d = l - acc.m;
      acc.sum1 += exp(d);
      acc.sumt += exp(d * inv_t);
    }
  }

  partials[lid] = acc;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) {
      partials[lid] = merge(partials[lid], partials[lid + k], inv_t);
    }
    workgroupBarrier();
  }

  if (lid == 0u) {
    let total = partials[0];
    if (total.sum1 == 0.0) {
      out[0] = NEG_INF_BITS;
    } else {
      out[0] = bitcast<u32>(total.m);
    }
    out[1] = bitcast<u32>(total.sum1);
    out[2] = bitcast<u32>(total.sumt);
    out[3] = bitcast<u32>(inv_t);
  }
}
