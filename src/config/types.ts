/** Small zod helpers shared by the config sections: sizes, durations, host:port. */
import { z } from 'zod';
import { parseDuration, parseSize } from '../proto/units.js';

/** A byte size given as a number of bytes or a string such as "50MB"; parsed to bytes. */
export const size = (def: string) =>
  z
    .union([z.number(), z.string()])
    .default(def)
    .transform((v, ctx) => {
      const n = parseSize(v);
      if (n === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `"${v}" is not a size; write e.g. 50MB, 512KiB or a number of bytes`,
        });
        return z.NEVER;
      }
      return n;
    })
    .meta({ unit: 'bytes' }); // read by `config describe/show`

/** A duration given as seconds or a string such as "5d", "30s", "100ms"; parsed to milliseconds. */
export const duration = (def: string) =>
  z
    .union([z.number(), z.string()])
    .default(def)
    .transform((v, ctx) => {
      const n = parseDuration(v);
      if (n === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `"${v}" is not a duration; write e.g. 30s, 4h, 5d or 100ms`,
        });
        return z.NEVER;
      }
      return n;
    })
    .meta({ unit: 'ms' }); // read by `config describe/show`

const hostPortRe = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]*|[0-9a-fA-F:]+):(\d{1,5})$/;

/** "host:port", "[::1]:port", or "" to disable. */
export const listenAddress = z
  .string()
  .refine((v) => v === '' || (hostPortRe.test(v) && Number(hostPortRe.exec(v)?.[2]) <= 65535), {
    message: 'expected "address:port" such as "0.0.0.0:25" or "127.0.0.1:0", or "" to disable',
  });

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(v: string, defaultPort?: number): HostPort | undefined {
  const m = hostPortRe.exec(v);
  if (m) return { host: m[1].replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(m[2]) };
  if (defaultPort !== undefined && /^[^\s:]+$/.test(v)) return { host: v, port: defaultPort };
  return undefined;
}
