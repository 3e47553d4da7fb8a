import { cpus, loadavg, release, totalmem, type } from 'node:os';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryBytes: number;
  readonly node: string;
  readonly os: string;
  readonly date: string;
  /** 1-minute load average when the run began: above the core count, figures are noisy. */
  readonly loadAverage: number;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    totalMemoryBytes: totalmem(),
    node: process.version,
    os: `${type()} ${release()}`,
    date: new Date().toISOString(),
    loadAverage: loadavg()[0] ?? 0,
  };
}
