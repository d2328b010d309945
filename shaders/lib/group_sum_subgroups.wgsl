// Linked in front of a kernel that reduces across invocations (GROUP: an override of the kernel, a power of two <= 64), when the device has
// `subgroups` with sizes 4..64 (requestGpuContext checks): the same functions as
// group_sum_workgroup.wgsl, by subgroupAdd within each subgroup and one exchange of the
// subgroup sums through workgroup memory (16 per group of 64 at SwiftShader's size 4, one at
// AMD's 64): one or two barriers, where a tree takes seven. Subgroups are taken to be runs of
// consecutive invocation indices aligned to their size, as implementations form them for a
// 1-D workgroup. Workgroups of exactly 256 invocations, lid = local_invocation_index. Call
// them in uniform control flow: they have barriers and subgroup operations.
//   group_sum(v, lid): the sum of v over the aligned group of GROUP consecutive invocations
//     holding lid (a vec4: up to four sums at once), returned to the group's first
//     invocation (lid % GROUP == 0); the others get an unspecified value. One barrier; it
//     leaves the scratch in use, so it is a kernel's last reduction.
//   block_sum(v, lid): the sum of v over the whole workgroup, returned to all.
// Only one invocation adds up the subgroup sums: at size 4 that is 16 (or 64) reads, which
// every invocation repeating would cost more than the reduction saves.
enable subgroups;

var<workgroup> sum_scratch: array<vec4<f32>, 64>;
var<workgroup> sum_total: vec4<f32>;

// Writes each subgroup's sum of v at scratch index lid / size; returns the size.
fn subgroup_sums(v: vec4<f32>, lid: u32) -> u32 {
  let s = subgroupAdd(v);
  let size = subgroupAdd(1u);
  if (subgroupElect()) {
    sum_scratch[lid / size] = s;
  }
  workgroupBarrier();
  return size;
}

fn group_sum(v: vec4<f32>, lid: u32) -> vec4<f32> {
  let size = subgroup_sums(v, lid);
  var total = vec4<f32>();
  if ((lid & (GROUP - 1u)) == 0u) {
    for (var i = 0u; i < max(GROUP / size, 1u); i++) {
      total += sum_scratch[lid / size + i];
    }
  }
  return total;
}

fn block_sum(v: vec4<f32>, lid: u32) -> vec4<f32> {
  let size = subgroup_sums(v, lid);
  if (lid == 0u) {
    var total = vec4<f32>();
    for (var i = 0u; i < 256u / size; i++) {
      total += sum_scratch[i];
    }
    sum_total = total;
  }
  workgroupBarrier();
  // A later call writes sum_total only after its first barrier, which everyone reaches
  // after this read.
  return sum_total;
}
