/** PROXY protocol v2 headers for load-balancer tests (v1 is a plain text line). */
export function v2Header(src: string, srcPort: number, dstPort: number): Buffer {
  const sig = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
  const body = Buffer.alloc(12);
  for (const [i, o] of src.split('.').entries()) body.writeUInt8(Number(o), i);
  for (const [i, o] of [127, 0, 0, 1].entries()) body.writeUInt8(o, 4 + i);
  body.writeUInt16BE(srcPort, 8);
  body.writeUInt16BE(dstPort, 10);
  const head = Buffer.from([0x21, 0x11, 0x00, 12]);
  return Buffer.concat([sig, head, body]);
}
