/**
 * The TypeScript mirror of a WGSL uniform struct whose fields are all 4-byte scalars.
 * Each kernel declares its layout once, next to its binding; a test checks it against
 * the `struct Params` of the kernel's .wgsl file.
 */
export type ScalarType = 'u32' | 'i32' | 'f32';

export class UniformLayout<Name extends string> {
  /** Byte size, rounded up to 16 as uniform buffers require. */
  readonly byteSize: number;

  constructor(readonly fields: ReadonlyArray<readonly [Name, ScalarType]>) {
    this.byteSize = Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
  }

  pack(values: Record<Name, number>): ArrayBuffer {
    const data = new ArrayBuffer(this.byteSize);
    const view = new DataView(data);
    this.fields.forEach(([name, type], i) => {
      const v = values[name];
      if (!Number.isFinite(v)) throw new RangeError(`uniform field ${name} is ${v}`);
      if (type === 'f32') view.setFloat32(i * 4, v, true);
      else if (type === 'u32') {
        if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
          throw new RangeError(`uniform field ${name} must be a u32, got ${v}`);
        view.setUint32(i * 4, v, true);
      } else {
        if (!Number.isInteger(v))
          throw new RangeError(`uniform field ${name} must be an i32, got ${v}`);
        view.setInt32(i * 4, v, true);
      }
    });
    return data;
  }
}
