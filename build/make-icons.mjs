// Draws Platter's icon (a disk platter with its spindle and read arm on a rounded square) and writes it as PNG:
// build/icon.png (512x512, for macOS and Windows: electron-builder makes the .icns and .ico from it) and
// build/icons/NxN.png (Linux). Plain Node: a tiny PNG encoder over node:zlib. Run: node build/make-icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const here = import.meta.dirname;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The colour at (x, y) in a unit square, or null for transparent. */
function shade(x, y) {
  const r = 0.2; // corner radius of the background square
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - r), 0);
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - r), 0);
  if (Math.hypot(qx, qy) > r) return null;
  const d = Math.hypot(x - 0.47, y - 0.5);
  // The read arm: a bar from the top-right corner towards the platter.
  const ax = 0.84,
    ay = 0.16,
    bx = 0.6,
    by = 0.56;
  const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  if (Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay))) < 0.028) return [250, 204, 21];
  if (Math.hypot(x - ax, y - ay) < 0.05) return [234, 179, 8];
  if (d < 0.055) return [30, 41, 59]; // spindle hole
  if (d < 0.11) return [148, 163, 184]; // hub
  if (d < 0.38) {
    const ring = Math.floor(d * 40) % 2 === 0 ? 0 : 10; // tracks
    return [203 - ring, 213 - ring, 225 - ring];
  }
  if (d < 0.4) return [100, 116, 139]; // platter edge
  const g = 1 - y * 0.35; // background gradient
  return [Math.round(37 * g), Math.round(99 * g), Math.round(235 * g)];
}

function draw(size) {
  const rgba = Buffer.alloc(size * size * 4);
  const ss = 4; // 4x4 supersampling for smooth edges
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = shade((px + (sx + 0.5) / ss) / size, (py + (sy + 0.5) / ss) / size);
          if (c) {
            r += c[0];
            g += c[1];
            b += c[2];
            a++;
          }
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0)
        rgba.set([Math.round(r / a), Math.round(g / a), Math.round(b / a), Math.round((a / (ss * ss)) * 255)], i);
    }
  }
  return encodePng(size, rgba);
}

mkdirSync(join(here, 'icons'), { recursive: true });
writeFileSync(join(here, 'icon.png'), draw(512));
for (const size of [16, 32, 48, 64, 128, 256, 512])
  writeFileSync(join(here, 'icons', `${size}x${size}.png`), draw(size));
console.log('wrote build/icon.png and build/icons/*.png');
