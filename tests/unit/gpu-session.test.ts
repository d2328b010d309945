import { describe, expect, it } from 'vitest';
import { DeviceLostError, GpuValidationError } from '../../src/gpu/errors.ts';
import { createNodeGpuContext } from '../../src/gpu/node-gpu.ts';
import { GpuSession, type GpuProblem, type GpuStatus } from '../../src/generation/gpu-session.ts';

describe('GpuSession', () => {
  it('opens one device for callers that ask at the same time and says what it has', async () => {
    let requests = 0;
    const statuses: GpuStatus['state'][] = [];
    const session = new GpuSession({
      request: () => {
        requests++;
        return createNodeGpuContext();
      },
      onStatus: (s) => statuses.push(s.state),
    });
    expect(session.status).toEqual({ state: 'pending' });
    const [a, b] = await Promise.all([session.open(), session.open()]);
    try {
      expect(a).not.toBeNull();
      expect(b).toBe(a);
      expect(await session.open()).toBe(a);
      expect(requests).toBe(1);
      expect(statuses).toEqual(['ready']);
      expect(session.status).toMatchObject({
        state: 'ready',
        adapterName: a!.capabilities.adapterName,
      });
    } finally {
      session.close();
    }
    expect(session.context).toBeNull();
  });

  it('routes an uncaptured validation error to the one callback as a GpuValidationError', async () => {
    const problems: GpuProblem[] = [];
    const session = new GpuSession({
      request: () => createNodeGpuContext(),
      onProblem: (p) => problems.push(p),
    });
    const gpu = (await session.open())!;
    try {
      // MAP_READ may only be combined with COPY_DST: a validation error nobody captures.
      const bad = gpu.device.createBuffer({
        label: 'bad',
        size: 16,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE,
      });
      bad.destroy();
      await session.settle();
      await new Promise((r) => setTimeout(r, 50));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toBeInstanceOf(GpuValidationError);
      expect(problems[0].message).toMatch(
        /^WebGPU rejected a call \(Buffer usages[\s\S]+"bad"[\s\S]+\)\. This is a bug/,
      );
      expect(session.status.state).toBe('ready');
    } finally {
      session.close();
    }
  });

  it('reports a lost device once, as status and problem, and opens a new one on the next open', async () => {
    const problems: GpuProblem[] = [];
    const session = new GpuSession({
      request: () => createNodeGpuContext(),
      onProblem: (p) => problems.push(p),
    });
    const first = (await session.open())!;
    first.device.destroy(); // lost without the session closing it
    await first.device.lost;
    await new Promise((r) => setTimeout(r, 0));
    expect(session.status.state).toBe('lost');
    expect(session.context).toBeNull();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toBeInstanceOf(DeviceLostError);
    const second = await session.open();
    try {
      expect(second).not.toBeNull();
      expect(second).not.toBe(first);
      expect(session.status.state).toBe('ready');
    } finally {
      session.close();
    }
  });

  it('says why when WebGPU cannot be used, without throwing', async () => {
    const session = new GpuSession({ request: () => Promise.reject(new Error('no driver')) });
    expect(await session.open()).toBeNull();
    expect(session.status).toEqual({
      state: 'unavailable',
      message: 'WebGPU failed to start: no driver',
    });
  });
});
