/** What `npm run bench:operations` measures of one operation, and the median of several measurements. */
import { median } from '@paytrace/trace-analysis';

export interface OperationFigures {
  /** CPU (user + system, every thread of this process) per operation, µs. */
  cpuUs: number;
  /** Wall time per operation, µs (one at a time: includes the peer's answer). */
  wallUs: number;
  /** Bytes allocated on the JavaScript heap per operation. */
  allocatedBytes: number;
  /** Postgres's CPU per operation, µs (its backend process), for operations that query it. */
  postgresCpuUs?: number;
}

/** Each figure's median over `samples` (a process's batches, or the rounds' processes). */
export function medianFigures(samples: OperationFigures[]): OperationFigures {
  const postgres = samples.map((s) => s.postgresCpuUs).filter((v): v is number => v !== undefined);
  return {
    cpuUs: median(samples.map((s) => s.cpuUs)),
    wallUs: median(samples.map((s) => s.wallUs)),
    allocatedBytes: median(samples.map((s) => s.allocatedBytes)),
    ...(postgres.length > 0 ? { postgresCpuUs: median(postgres) } : {}),
  };
}
